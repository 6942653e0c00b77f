import Foundation
import HummingbirdCore
import NIOCore
import NIOPosix
import Hummingbird
import Logging
import SageMakerModel
import SageMakerOperations
import SageMakerStorage
import ServiceLifecycle
import Synchronization

/// A configuration that would be unsafe to serve.
public struct UnsafeConfiguration: Error, CustomStringConvertible {
    public let description: String
}
