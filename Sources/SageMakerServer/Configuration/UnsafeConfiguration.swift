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

/// A configuration that would be unsafe to serve.
public struct UnsafeConfiguration: Error, CustomStringConvertible {
    public let description: String
}
