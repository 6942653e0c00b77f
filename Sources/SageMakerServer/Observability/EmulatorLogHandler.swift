import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one line per event to standard error, as text in swift-log's stream format
/// (`<time> <level> <label>: key=value ... [<source>] <message>`) or as one JSON object per line (`--log-format json`).
/// Metadata is rendered only when a line is written (swift-log's `StreamLogHandler` re-renders it whenever a key is
/// set, and Hummingbird sets one on every request's logger), and the time is formatted once a second, not per line.
public struct EmulatorLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable {
        case text
        case json
    }

    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: Format

    public init(label: String, format: Format = .text) {
        self.label = label
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // Lines are batched: a request's line costs an append; warnings and worse are written at once.
        LogOutput.standardError.append(line(for: event, time: Self.timestamp()), now: event.level >= .warning)
    }

    /// The line of `event`: the handler's metadata and the event's (which wins), and its error's, by key. Built
    /// without a merged dictionary: a request's line is written for every request at the default level.
    func line(for event: LogEvent, time: String) -> String {
        let explicit = event.metadata
        var errorFields: [(key: String, value: Logger.Metadata.Value)] = []
        if let error = event.error {
            errorFields = [
                ("error.message", .string("\(error)")), ("error.type", .string(String(reflecting: type(of: error)))),
            ]
        }
        var fields: [(key: String, value: Logger.Metadata.Value)] = []
        fields.reserveCapacity(metadata.count + (explicit?.count ?? 0) + errorFields.count)
        for (key, value) in metadata
        where explicit?[key] == nil && !errorFields.contains(where: { $0.key == key }) {
            fields.append((key, value))
        }
        for (key, value) in explicit ?? [:] where !errorFields.contains(where: { $0.key == key }) {
            fields.append((key, value))
        }
        fields += errorFields
        fields.sort { $0.key < $1.key }
        return Self.line(
            format, time: time, level: event.level, label: label, fields: fields, source: event.source,
            message: event.message.description)
    }

    /// A line of `fields`, in their order.
    static func line(
        _ format: Format, time: String, level: Logger.Level, label: String,
        fields: [(key: String, value: Logger.Metadata.Value)], source: String, message: String
    ) -> String {
        var line = ""
        line.reserveCapacity(256)
        switch format {
        case .text:
            line += time
            line += " "
            line += level.rawValue
            line += " "
            line += label
            line += ":"
            for (key, value) in fields {
                line += " "
                line += key
                line += "="
                appendText(value, to: &line)
            }
            line += " ["
            line += source
            line += "] "
            line += message
            line += "\n"
        case .json:
            line += "{\"time\":"
            JSONText.append(time, to: &line)
            line += ",\"level\":\""
            line += level.rawValue
            line += "\",\"label\":"
            JSONText.append(label, to: &line)
            line += ",\"source\":"
            JSONText.append(source, to: &line)
            line += ",\"message\":"
            JSONText.append(message, to: &line)
            for (key, value) in fields {
                line += ","
                JSONText.append(key, to: &line)
                line += ":"
                JSONText.append(value, to: &line)
            }
            line += "}\n"
        }
        return line
    }

    /// A value of a text line: as it is when plain (letters, digits and `.-_:/`), else quoted as Swift quotes it.
    static func appendText(_ value: Logger.Metadata.Value, to line: inout String) {
        switch value {
        case .string(let text): appendText(text, to: &line)
        case .stringConvertible(let convertible):
            appendText(convertible.description, to: &line)
        case .array, .dictionary: line += value.description
        }
    }

    private static func appendText(_ text: String, to line: inout String) {
        if text.isEmpty || !text.utf8.allSatisfy(isPlain) {
            line += String(reflecting: text)
        } else {
            line += text
        }
    }

    private static func isPlain(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
            || byte == UInt8(ascii: "/")
    }

    private struct CachedTime {
        var second: time_t = -1
        var text = ""
    }

    private static let cachedTime = Mutex(CachedTime())

    /// Local time as `YYYY-MM-DDTHH:MM:SS+ZZZZ`, formatted once per second.
    static func timestamp() -> String {
        let now = time(nil)
        return cachedTime.withLock { cached in
            if cached.second == now { return cached.text }
            var seconds = now
            var parts = tm()
            localtime_r(&seconds, &parts)
            var buffer = [CChar](repeating: 0, count: 32)
            let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
            cached.text = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            cached.second = now
            return cached.text
        }
    }
}

/// Standard error, written in batches: lines are appended to a buffer that a background thread writes every 20 ms
/// (or at once when it holds 64 KiB, when a line asks for it, and at exit), so that the request log costs one
/// write(2) per batch instead of one per request. Whole lines only, in the order they were logged. A crash loses at
/// most the last 20 ms of lines.
final class LogOutput: Sendable {
    static let standardError = LogOutput(descriptor: 2)

    private let pending = Mutex<[UInt8]>([])
    /// Held while a batch is taken and written, so that batches reach the file in order.
    private let writing = Mutex<Void>(())
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
        atexit { LogOutput.standardError.flush() }
        let thread = Thread { [self] in
            while true {
                usleep(20_000)
                flush()
            }
        }
        thread.name = "log-output"
        thread.start()
    }

    func append(_ line: String, now: Bool) {
        var line = line
        let full = line.withUTF8 { bytes in
            pending.withLock { buffer in
                buffer.append(contentsOf: bytes)
                return buffer.count >= 1 << 16
            }
        }
        if full || now { flush() }
    }

    func flush() {
        writing.withLock { _ in
            let batch = pending.withLock { buffer in
                let batch = buffer
                buffer = []
                return batch
            }
            batch.withUnsafeBufferPointer { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }
}

/// JSON text for log lines: strings escaped as RFC 8259 requires; metadata values as strings, lists and objects.
enum JSONText {
    static func append(_ value: Logger.Metadata.Value, to line: inout String) {
        switch value {
        case .string(let text): append(text, to: &line)
        case .stringConvertible(let convertible): append(convertible.description, to: &line)
        case .array(let values):
            line += "["
            for (index, element) in values.enumerated() {
                if index > 0 { line += "," }
                append(element, to: &line)
            }
            line += "]"
        case .dictionary(let values):
            line += "{"
            for (index, (key, element)) in values.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { line += "," }
                append(key, to: &line)
                line += ":"
                append(element, to: &line)
            }
            line += "}"
        }
    }

    static func append(_ text: String, to line: inout String) {
        line += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": line += "\\\""
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                line += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: line.unicodeScalars.append(scalar)
            }
        }
        line += "\""
    }
}
