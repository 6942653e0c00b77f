import CoreMetrics
import Metrics
import Prometheus
import SageMakerModel
import SageMakerStorage
import Synchronization

/// The emulator's Prometheus metrics (`GET /metrics`): requests by operation and outcome, their latency, resources
/// by kind and status, and the store's commits. Recorded through swift-metrics with a Prometheus factory of the
/// emulator's own registry (no global bootstrap: each app has its registry).
public final class EmulatorMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let commitDuration: Metrics.Timer
    private let commitSize: Recorder

    private struct RequestKey: Hashable {
        let operation: String
        let status: Int
        let errorCode: String
    }

    private struct RequestHandles: @unchecked Sendable {
        // swift-metrics' handles are thread-safe classes.
        let count: CoreMetrics.Counter
        let duration: Metrics.Timer
    }

    private let requests = Mutex<[RequestKey: RequestHandles]>([:])
    private struct ForwardKey: Hashable {
        let service: String
        let outcome: String
    }

    private struct ForwardHandle: @unchecked Sendable {
        let count: CoreMetrics.Counter
    }

    private let forwarded = Mutex<[ForwardKey: ForwardHandle]>([:])

    /// One request sent to the upstream (or refused for want of one): by the service's signing name, when it is a
    /// name of AWS's syntax (else `unknown`), and the outcome (`forwarded`, `unavailable`, `no_upstream`).
    func forward(service: String?, outcome: String) {
        let name =
            service.flatMap {
                $0.utf8.count <= 32
                    && $0.utf8.allSatisfy { byte in
                        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || byte == UInt8(ascii: "-")
                            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    } ? $0 : nil
            } ?? "unknown"
        let key = ForwardKey(service: name, outcome: outcome)
        let handle = forwarded.withLock { handles in
            if let existing = handles[key] { return existing }
            let created = ForwardHandle(
                count: CoreMetrics.Counter(
                    label: "sagemaker_forwarded_requests_total",
                    dimensions: [("service", key.service), ("outcome", key.outcome)], factory: factory))
            handles[key] = created
            return created
        }
        handle.count.increment()
    }
    /// The (kind, status) gauges set so far, so that a status nobody holds any more reads 0.
    private let statusGauges = Mutex<[String: CoreMetrics.Gauge]>([:])

    static let requestDurationName = "sagemaker_request_duration_seconds"
    static let commitDurationName = "sagemaker_store_commit_duration_seconds"
    static let commitSizeName = "sagemaker_store_commit_writes"

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        let fine: [Duration] = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5),
        ]
        factory.durationHistogramBuckets = [Self.requestDurationName: fine, Self.commitDurationName: fine]
        factory.valueHistogramBuckets = [Self.commitSizeName: [1, 2, 4, 8, 16, 32, 64, 128, 256]]
        self.factory = factory
        commitDuration = Metrics.Timer(label: Self.commitDurationName, factory: factory)
        commitSize = Recorder(label: Self.commitSizeName, aggregate: true, factory: factory)
    }

    /// One served request. The operation is a name from the service model or `unknown` (a target is the client's
    /// text: it must not make a label value of its own).
    func request(target: String, status: Int, errorCode: String?, duration: Duration) {
        let name = target.hasPrefix("SageMaker.") ? String(target.dropFirst("SageMaker.".count)) : ""
        let operation =
            SageMakerOperation(rawValue: name) != nil || SageMakerOperationTable.otherOperations.contains(name)
            ? name : "unknown"
        let key = RequestKey(operation: operation, status: status, errorCode: errorCode ?? "")
        let handles = requests.withLock { handles in
            if let existing = handles[key] { return existing }
            let made = RequestHandles(
                count: CoreMetrics.Counter(
                    label: "sagemaker_requests_total",
                    dimensions: [("operation", operation), ("status", String(status)), ("error_code", key.errorCode)],
                    factory: factory),
                duration: Metrics.Timer(
                    label: Self.requestDurationName, dimensions: [("operation", operation)], factory: factory))
            handles[key] = made
            return made
        }
        handles.count.increment()
        handles.duration.recordNanoseconds(Self.nanoseconds(duration))
    }

    /// One store commit of `writes` writes.
    func commit(writes: Int, duration: Duration) {
        commitDuration.recordNanoseconds(Self.nanoseconds(duration))
        commitSize.record(writes)
    }

    /// The metrics in Prometheus' text format, with the resource gauges set from `counts` first.
    func exposition(resources counts: [ResourceStatusCount]) -> [UInt8] {
        statusGauges.withLock { gauges in
            var seen: Set<String> = []
            for count in counts {
                let key = count.kind.rawValue + "\u{0}" + count.status
                seen.insert(key)
                let gauge =
                    gauges[key]
                    ?? CoreMetrics.Gauge(
                        label: "sagemaker_resources",
                        dimensions: [("kind", count.kind.rawValue), ("status", count.status)], factory: factory)
                gauges[key] = gauge
                gauge.record(count.count)
            }
            for (key, gauge) in gauges where !seen.contains(key) { gauge.record(0) }
        }
        return registry.emitToBuffer()
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
