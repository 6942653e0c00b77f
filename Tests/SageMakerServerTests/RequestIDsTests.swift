import Testing

@testable import SageMakerServer

@Suite struct RequestIDsTests {
    @Test func idsAreVersionFourUUIDsAndNeverRepeat() {
        let ids = RequestIDs()
        var seen = Set<String>()
        var malformed: [String] = []
        let hex = Set("0123456789abcdef-".utf8)
        for _ in 0..<20_000 {
            let id = ids.next()
            let bytes = Array(id.utf8)
            let wellFormed =
                bytes.count == 36 && [8, 13, 18, 23].allSatisfy { bytes[$0] == UInt8(ascii: "-") }
                && bytes[14] == UInt8(ascii: "4")  // version 4
                && "89ab".utf8.contains(bytes[19])  // the RFC 4122 variant
                && id.utf8.allSatisfy { hex.contains($0) }
            if !wellFormed { malformed.append(id) }
            seen.insert(id)
        }
        #expect(malformed.isEmpty)
        #expect(seen.count == 20_000)
    }

    @Test func theCounterMixIsABijectionOnSixtyTwoBits() {
        // Consecutive counts land far apart, and distinct counts (here at the edges of the domain) stay distinct.
        let edges: [UInt64] = [0, 1, 2, 3, (1 << 62) - 1, (1 << 62) - 2, 1 << 61, (1 << 61) - 1]
        let mixed = edges.map(RequestIDs.mix)
        #expect(Set(mixed).count == edges.count)
        #expect(mixed.allSatisfy { $0 < 1 << 62 })
        #expect((RequestIDs.mix(1) ^ RequestIDs.mix(2)).nonzeroBitCount > 10)
    }
}
