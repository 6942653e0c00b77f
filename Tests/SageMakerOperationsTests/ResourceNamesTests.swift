import Foundation
import Testing

@testable import SageMakerOperations

/// Identifiers drawn at random have the real service's formats, do not repeat, and use their whole alphabet evenly.
@Suite struct ResourceNamesTests {
    @Test func randomIdentifiersHaveTheirFormatsAndDoNotRepeat() throws {
        let domainId = try Regex("^d-[a-z0-9]{12}$")
        let fileSystemId = try Regex("^fs-[0-9a-f]{17}$")
        var seen = Set<String>()
        var counts = [Character: Int]()
        for _ in 0..<20_000 {
            let id = ResourceNames.newDomainId()
            #expect(id.wholeMatch(of: domainId) != nil)
            seen.insert(id)
            for character in id.dropFirst(2) { counts[character, default: 0] += 1 }
        }
        #expect(seen.count == 20_000)
        #expect(ResourceNames.newFileSystemId().wholeMatch(of: fileSystemId) != nil)
        // 240,000 characters over 36: 6,667 each on average, standard deviation ~80; the bounds are 6 of them.
        #expect(counts.count == 36)
        #expect(counts.values.allSatisfy { (6_180...7_150).contains($0) })
        // Past the twelfth character (the generator is seeded again) the characters still vary.
        let long = ResourceNames.random(ResourceNames.lowerAlphanumerics, count: 64)
        #expect(long.count == 64 && Set(long.suffix(52)).count > 10)
    }
}
