import Logging
import Testing

@testable import SageMakerServer

/// The request log's lines, in both formats, written out in full: the handler's metadata and the event's merged by
/// key (the event's wins), values plain or quoted, errors, nested lists and objects, escapes.
@Suite struct LogLineTests {
    struct Refusal: Error, CustomStringConvertible {
        var description: String { "no \"such\" thing" }
    }

    static func event(
        _ metadata: Logger.Metadata?, error: (any Error)? = nil, level: Logger.Level = .info
    )
        -> LogEvent
    {
        var event = LogEvent(
            level: level, message: "request", metadata: metadata, source: "SageMakerServer", file: #fileID,
            function: #function, line: #line)
        event.error = error
        return event
    }

    static func handler(_ format: EmulatorLogHandler.Format) -> EmulatorLogHandler {
        var handler = EmulatorLogHandler(label: "sagemaker-emulator", format: format)
        handler[metadataKey: "hb.request.id"] = "r-1"
        handler[metadataKey: "zone"] = "handler's"
        return handler
    }

    static let request: Logger.Metadata = [
        "operation": "SageMaker.DescribeDomain", "account": "123456789012", "region": "us-east-1",
        "status": .stringConvertible(200), "duration_ms": "0.011", "zone": "event's",
    ]

    @Test func textLinesSortTheMergedKeysAndQuoteWhatIsNotPlain() {
        let handler = Self.handler(.text)
        #expect(
            handler.line(for: Self.event(Self.request), time: "2026-11-27T00:36:11+0000")
                == "2026-11-27T00:36:11+0000 info sagemaker-emulator: account=123456789012 duration_ms=0.011 "
                + "hb.request.id=r-1 operation=SageMaker.DescribeDomain region=us-east-1 status=200 zone=\"event\\'s\" "
                + "[SageMakerServer] request\n")
        let odd: Logger.Metadata = [
            "operation": "Sage Maker\n\"x\"", "list": ["a", "b c"], "map": ["k": "v"], "empty": "",
        ]
        #expect(
            handler.line(for: Self.event(odd, error: Refusal(), level: .notice), time: "T")
                == "T notice sagemaker-emulator: empty=\"\" error.message=\"no \\\"such\\\" thing\" "
                + "error.type=SageMakerServerTests.LogLineTests.Refusal hb.request.id=r-1 list=[\"a\", \"b c\"] "
                + "map=[\"k\": \"v\"] operation=\"Sage Maker\\n\\\"x\\\"\" zone=\"handler\\'s\" [SageMakerServer] request\n"
        )
        #expect(
            Self.handler(.text).line(for: Self.event(nil), time: "T")
                == "T info sagemaker-emulator: hb.request.id=r-1 zone=\"handler\\'s\" [SageMakerServer] request\n")
    }

    @Test func jsonLinesCarryEveryFieldEscaped() {
        let handler = Self.handler(.json)
        #expect(
            handler.line(for: Self.event(Self.request), time: "2026-11-27T00:36:11+0000")
                == #"{"time":"2026-11-27T00:36:11+0000","level":"info","label":"sagemaker-emulator","#
                + #""source":"SageMakerServer","message":"request","account":"123456789012","duration_ms":"0.011","#
                + #""hb.request.id":"r-1","operation":"SageMaker.DescribeDomain","region":"us-east-1","status":"200","#
                + #""zone":"event's"}"# + "\n")
        let odd: Logger.Metadata = ["operation": "a\u{1}\t\"\\", "list": ["x", ["y": "z"]]]
        #expect(
            handler.line(for: Self.event(odd, error: Refusal()), time: "T")
                == #"{"time":"T","level":"info","label":"sagemaker-emulator","source":"SageMakerServer","#
                + #""message":"request","error.message":"no \"such\" thing","#
                + #""error.type":"SageMakerServerTests.LogLineTests.Refusal","hb.request.id":"r-1","#
                + #""list":["x",{"y":"z"}],"operation":"a\u0001\t\"\\","zone":"handler's"}"# + "\n")
    }
}
