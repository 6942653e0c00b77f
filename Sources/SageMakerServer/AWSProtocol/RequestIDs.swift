import Synchronization

/// Request ids as AWS writes them (a lowercase UUID, version 4 layout). Half is random, drawn at start-up; the other
/// half is a counter passed through a bijection of 62 bits, so no two requests of a process share an id and no id
/// costs a read of the system's random source (Foundation's `UUID()` opens `/dev/urandom` on every call: about
/// 5 µs a request).
final class RequestIDs: Sendable {
    private let random: UInt64
    private let salt: UInt64
    private let counter = Atomic<UInt64>(0)

    init() {
        var generator = SystemRandomNumberGenerator()
        random = generator.next()
        salt = generator.next()
    }

    func next() -> String {
        let count = counter.wrappingAdd(1, ordering: .relaxed).newValue
        // Version 4 in the high half; the variant (binary 10) above the 62 bits that carry the count.
        let high = random & 0xFFFF_FFFF_FFFF_0FFF | 0x0000_0000_0000_4000
        let low = Self.mix((count ^ salt) & Self.mask) | 0x8000_0000_0000_0000
        // 8-4-4-4-12 hex digits, most significant first.
        return String(unsafeUninitializedCapacity: 36) { bytes in
            var position = 0
            for index in 0..<32 {
                if index == 8 || index == 12 || index == 16 || index == 20 {
                    bytes[position] = UInt8(ascii: "-")
                    position += 1
                }
                let half = index < 16 ? high : low
                bytes[position] = Self.digits[Int(half >> UInt64(60 - 4 * (index % 16)) & 0xF)]
                position += 1
            }
            return position
        }
    }

    private static let mask: UInt64 = (1 << 62) - 1
    private static let digits = Array("0123456789abcdef".utf8)

    /// A bijection of 62-bit values that scatters consecutive ones: multiplications by odd numbers and right
    /// xorshifts, each invertible modulo 2^62.
    static func mix(_ value: UInt64) -> UInt64 {
        var x = value & mask
        x = (x &* 0x9E37_79B9_7F4A_7C15) & mask
        x ^= x >> 31
        x = (x &* 0xBF58_476D_1CE4_E5B9) & mask
        x ^= x >> 29
        return x
    }
}
