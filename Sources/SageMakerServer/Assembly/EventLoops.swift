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

/// The event loop groups of this process, one per thread count, made once and kept for its life (like NIO's
/// singleton), so that building the application again (tests do, many times) starts no new threads.
enum EventLoops {
    private static let groups = Mutex<[Int: MultiThreadedEventLoopGroup]>([:])

    static func group(threads: Int) -> MultiThreadedEventLoopGroup {
        groups.withLock { groups in
            if let group = groups[threads] { return group }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
            groups[threads] = group
            return group
        }
    }
}
