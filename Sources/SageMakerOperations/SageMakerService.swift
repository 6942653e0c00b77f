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
enum StoredDocument {
    /// A stored document of a model shape, read by its generated reader.
    static func decode<T: Decodable & WireDecodable>(_ type: T.Type, from data: Data) throws -> T {
        try WireCodec.decodeShape(T.self, from: data)
    }

    /// Any other stored JSON (a tag list), read by Foundation.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(T.self, from: data)
    }

    static func encode(_ value: some WireEncodable) throws -> Data {
        Data(WireCodec.encode(shape: value))
    }
}
