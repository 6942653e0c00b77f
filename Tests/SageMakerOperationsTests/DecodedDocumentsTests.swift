import Foundation
import SageMakerModel
import Testing

@testable import SageMakerOperations

/// The memo of decoded documents answers only for byte-identical documents and stays within its byte budget.
@Suite struct DecodedDocumentsTests {
    @Test func decodedDocumentsAreBoundedByBytes() throws {
        let memo = DecodedDocuments<DescribeDomainResponse>(capacity: 1_000_000, capacityBytes: 1 << 20)
        for index in 0..<100 {
            let name = String(repeating: "n", count: 20_000)
            let bytes = Data("{\"DomainName\":\"\(name)\(index)\"}".utf8)
            _ = try memo.decode(bytes, key: "k-\(index)")
            #expect(memo.usage.bytes <= 1 << 20)
        }
        #expect(memo.usage.keys < 100)
    }

    @Test func aChangedDocumentIsDecodedAgain() throws {
        let memo = DecodedDocuments<DescribeDomainResponse>()
        #expect(try memo.decode(Data(#"{"DomainName":"a"}"#.utf8), key: "k").domainName == "a")
        #expect(try memo.decode(Data(#"{"DomainName":"b"}"#.utf8), key: "k").domainName == "b")
        #expect(try memo.decode(Data(#"{"DomainName":"a"}"#.utf8), key: "k").domainName == "a")
    }
}
