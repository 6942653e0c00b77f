import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// The hand-written behaviour behind the generated `SageMakerHandler` protocol.
public struct SageMakerService<Store: ResourceStore>: SageMakerHandler {
    let store: Store
    let clock: any EmulatorClock
    let configuration: OperationsConfiguration
    let pageTokens: PageTokens
    /// The delays in force, holds and faults, which the control API changes while the server runs.
    public let controls: EmulatorControls
    let domains = DecodedDocuments<DescribeDomainResponse>()
    let listed = ListedDetails()

    public init(
        store: Store, clock: any EmulatorClock, configuration: OperationsConfiguration, pageTokens: PageTokens,
        controls: EmulatorControls? = nil
    ) {
        self.store = store
        self.clock = clock
        self.configuration = configuration
        self.pageTokens = pageTokens
        self.controls = controls ?? EmulatorControls(delays: configuration.delays)
    }

    /// A service whose pagination tokens are signed with the store's persistent secret.
    public static func open(
        store: Store, clock: any EmulatorClock, configuration: OperationsConfiguration,
        controls: EmulatorControls? = nil
    ) async throws -> SageMakerService {
        let secret = try await store.secret(named: "page-tokens")
        return SageMakerService(
            store: store, clock: clock, configuration: configuration, pageTokens: PageTokens(secret: secret),
            controls: controls)
    }

    /// Forgets decoded documents after the store's content was replaced or removed wholesale (a reset, a restored
    /// snapshot): a restored resource starts again at revision 1 and must not be answered from an older decode.
    public func forgetDecodedDocuments() {
        domains.removeAll()
        listed.removeAll()
    }

    /// Now, to the millisecond that AWS timestamps carry.
    func now() -> Date {
        Date(timeIntervalSince1970: WireCodec.epochMilliseconds(clock.now()))
    }
}

extension OperationContext {
    var scope: ResourceScope { ResourceScope(account: account, region: region) }
}

/// Stored documents are the resources' wire form, so that Describe can send them as they are.
/// A stored document that does not read as its shape: the server answers 500 `InternalFailure` and logs this, which
/// names the resource (the first ARN the document holds) and why.
public struct UnreadableStoredDocument: Error, CustomStringConvertible {
    public let shape: String
    public let resource: String
    public let reason: String

    init(shape: String, data: Data, reason: String) {
        self.shape = shape
        self.reason = reason
        let text = String(decoding: data.prefix(4096), as: UTF8.self)
        resource = text.firstMatch(of: /"[A-Za-z]*Arn"\s*:\s*"([^"]+)"/).map { String($0.1) } ?? "unknown"
    }

    public var description: String { "stored \(shape) of \(resource) cannot be read: \(reason)" }
}

enum StoredDocument {
    /// A stored document of a model shape, read by its generated reader. One that cannot be read is the server's
    /// fault (`UnreadableStoredDocument`, a 500), never the request's.
    static func decode<T: Decodable & WireDecodable>(_ type: T.Type, from data: Data) throws -> T {
        do {
            return try WireCodec.decodeShape(T.self, from: data)
        } catch {
            throw UnreadableStoredDocument(shape: String(describing: T.self), data: data, reason: "\(error)")
        }
    }

    /// Any other stored JSON (a tag list), read by Foundation.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do {
            return try decoder.decode(T.self, from: data)
        } catch {
            throw UnreadableStoredDocument(shape: String(describing: T.self), data: data, reason: "\(error)")
        }
    }

    static func encode(_ value: some WireEncodable) throws -> Data {
        Data(WireCodec.encode(shape: value))
    }
}
