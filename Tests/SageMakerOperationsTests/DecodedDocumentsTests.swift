import Foundation
import SageMakerModel
import Testing

@testable import SageMakerOperations
@testable import SageMakerStorage

/// The memo of decoded documents answers by revision (one stored state each) and stays within its byte budget.
@Suite struct DecodedDocumentsTests {
    func record(_ json: String, id: String = "d-1", sequence: Int64 = 1, revision: Int64) -> StoredResource {
        var record = StoredResource(
            kind: .domain, scope: ResourceScope(account: "1", region: "r"), id: id, nameKey: id, status: "InService",
            document: Data(json.utf8))
        record.sequence = sequence
        record.revision = revision
        return record
    }

    @Test func decodedDocumentsAreBoundedByBytes() throws {
        let memo = DecodedDocuments<DescribeDomainResponse>(capacity: 1_000_000, capacityBytes: 1 << 20)
        for index in 0..<100 {
            let name = String(repeating: "n", count: 20_000)
            _ = try memo.decode(record("{\"DomainName\":\"\(name)\(index)\"}", sequence: Int64(index), revision: 1))
            #expect(memo.usage.bytes <= 1 << 20)
        }
        #expect(memo.usage.keys < 100)
    }

    @Test func eachRevisionIsItsOwnState() throws {
        let memo = DecodedDocuments<DescribeDomainResponse>()
        #expect(try memo.decode(record(#"{"DomainName":"a"}"#, revision: 1)).domainName == "a")
        #expect(try memo.decode(record(#"{"DomainName":"b"}"#, revision: 2)).domainName == "b")
        #expect(try memo.decode(record(#"{"DomainName":"a"}"#, revision: 1)).domainName == "a")
        // A committed state remembered under its revision answers without decoding (this document would not parse).
        memo.remember(DescribeDomainResponse(domainName: "c"), sequence: 1, revision: 3, bytes: 10)
        #expect(try memo.decode(record("not json", revision: 3)).domainName == "c")
        #expect(throws: (any Error).self) { try memo.decode(record("not json", revision: 4)) }
        // The same revision of another row (a reset restarts revisions at 1, under a new sequence number) is another
        // state.
        #expect(try memo.decode(record(#"{"DomainName":"d"}"#, sequence: 7, revision: 1)).domainName == "d")
        #expect(try memo.decode(record(#"{"DomainName":"a"}"#, sequence: 1, revision: 1)).domainName == "a")
    }

    @Test func listedDetailsKeepOneMemoPerShapeAndForgetThemAll() throws {
        let listed = ListedDetails()
        let domains = listed.memo(DomainDetails.self)
        #expect(listed.memo(DomainDetails.self) === domains)
        let profiles = listed.memo(UserProfileDetails.self)
        _ = try domains.decode(record(#"{"DomainName":"a"}"#, revision: 1))
        _ = try profiles.decode(record(#"{"UserProfileName":"p"}"#, sequence: 2, revision: 1))
        #expect(domains.usage.keys == 1 && profiles.usage.keys == 1)
        // A later revision of the row is decoded anew, not answered from the earlier one.
        #expect(try domains.decode(record(#"{"DomainName":"b"}"#, revision: 2)).domainName == "b")
        listed.removeAll()
        #expect(domains.usage.keys == 0 && profiles.usage.keys == 0)
        // Each shape's memo stays within the listing budget, however many rows pages show.
        for sequence in 1...Int64(ListedDetails.capacity + 500) {
            _ = try domains.decode(record(#"{"DomainName":"d\#(sequence)"}"#, sequence: sequence, revision: 1))
            #expect(domains.usage.keys <= ListedDetails.capacity)
        }
    }
}

/// The byte search that decides whether a stored document is decoded for its references.
@Suite struct ContainsBytesTests {
    @Test func findsANeedleAnywhereAndOnlyWhole() {
        let marker = Data("-lifecycle-config/".utf8)
        let cases: [(String, Bool)] = [
            ("-lifecycle-config/x", true), ("x-lifecycle-config/", true), ("-lifecycle-config/", true),
            ("--lifecycle-config-lifecycle-config/", true), ("-lifecycle-config", false), ("", false),
            ("-lifecycle-confi/-lifecycle-conf", false),
            (String(repeating: "-", count: 5000) + "-lifecycle-config/", true),
        ]
        for (text, expected) in cases {
            #expect(Data(text.utf8).containsBytes(marker) == expected, "\(text.prefix(40))")
            // The same bytes inside a larger buffer, as a slice whose indices do not start at zero.
            let padded = Data(("ab" + text + "cd").utf8)
            #expect(padded[2..<(padded.count - 2)].containsBytes(marker) == expected)
        }
        #expect(Data("abc".utf8).containsBytes(Data()))
    }
}
