import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import SageMakerModel
import SageMakerOperations
import SageMakerStorage
import ServiceLifecycle
import Synchronization

extension EmulatorConfiguration.Storage {
    /// Where the state lives, for the start-up line: `sqlite:<absolute data directory>` or `memory`.
    var logDescription: String {
        switch self {
        case .memory: "memory (nothing survives a restart)"
        case .sqlite(let directory):
            "sqlite:" + URL(fileURLWithPath: directory).standardizedFileURL.path + "/sagemaker.sqlite"
        case .postgres(let url):
            Self.withoutPassword(url)
        }
    }

    /// A database URL fit for logs: its password left out.
    static func withoutPassword(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = nil
        return components.string ?? "postgres://"
    }
}
