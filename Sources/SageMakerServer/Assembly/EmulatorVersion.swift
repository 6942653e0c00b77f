import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SageMakerModel
import SageMakerOperations
import SageMakerStorage

/// The release and the service model it serves (`--version`, `/_emulator/health`).
public enum EmulatorVersion {
    public static let release = "0.11.0"
    public static var botocore: String { SageMakerOperationTable.botocoreVersion }
    public static var description: String {
        "sagemaker-emulator \(release) (SageMaker model of botocore \(botocore))"
    }
}
