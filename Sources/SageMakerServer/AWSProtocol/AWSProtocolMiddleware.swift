import AWSWire
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import SageMakerModel
import SageMakerOperations
import SageMakerStorage

extension HTTPField.Name {
    static let amzTarget = Self("X-Amz-Target")!
    static let amznRequestId = Self("x-amzn-RequestId")!
    static let amznErrorType = Self("x-amzn-ErrorType")!
}

extension HTTPFields {
    /// What `self[name]` gives (a repeated field's values joined by ", "), without the lazy filter and join that
    /// subscript runs for every lookup: a field sent once, as on every request, is returned as it is.
    func value(of name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            if found != nil { return self[name] }
            found = field.value
        }
        return found
    }
}

/// Gives every response an `x-amzn-RequestId`, turns every error into an AWS JSON error body
/// (anything unexpected becomes a logged 500 `InternalFailure`), and logs one line per request.
struct AWSProtocolMiddleware: RouterMiddleware {
    typealias Context = EmulatorRequestContext
    let requestIDs: RequestIDs
    /// Where each served request is written down (nil: nowhere).
    var journal: RequestJournal? = nil
    var metrics: EmulatorMetrics? = nil

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let record = RequestRecord(requestId: requestIDs.next())
        var context = context
        context.record = record
        // The request's logger carries its id, under Hummingbird's key, for every line logged while serving it.
        context.logger[metadataKey: "hb.request.id"] = .string(record.requestId)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let error = Self.awsError(error, record: record, logger: context.logger)
            record.errorCode = error.errorCode
            response = Self.errorResponse(for: error)
        }
        response.headers[.amznRequestId] = record.requestId
        let elapsed = ContinuousClock.now - started
        // A request a fault rule acted on is logged a level higher, so that it shows above the request lines.
        context.logger.log(
            level: record.fault == nil ? .info : .notice, "request",
            metadata: Self.logMetadata(record, status: response.status.code, elapsed: elapsed),
            source: "SageMakerServer")  // given, not derived from the file's id for every line
        metrics?.request(
            target: record.operation, status: response.status.code, errorCode: record.errorCode, duration: elapsed)
        if let journal {
            let (seconds, attoseconds) = elapsed.components
            journal.append(
                RequestJournal.Entry(
                    time: Date(), requestId: record.requestId, operation: Self.operationName(record.operation),
                    account: record.account, region: record.region, httpStatus: response.status.code,
                    errorCode: record.errorCode,
                    milliseconds: Double(seconds) * 1000 + Double(attoseconds) / 1e15, fault: record.fault))
        }
        return response
    }

    /// The request's log line's fields; built only when the line is written.
    @inline(__always)
    static func logMetadata(_ record: RequestRecord, status: Int, elapsed: Duration) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            // From the request: the log handler quotes and escapes whatever is not plain.
            "operation": .string(record.operation),
            "account": .string(record.account),
            "region": .string(record.region),
            "status": .stringConvertible(status),
            "duration_ms": .string(Self.milliseconds(elapsed)),
        ]
        if let fault = record.fault { metadata["fault"] = .string(fault) }
        return metadata
    }

    /// `UpdateDomain` for `SageMaker.UpdateDomain`; other targets as they came.
    static func operationName(_ target: String) -> String {
        target.hasPrefix("SageMaker.") ? String(target.dropFirst("SageMaker.".count)) : target
    }

    /// A duration in milliseconds with three decimals (`0.412`), without Foundation's formatter.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micros = max(0, seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        let fraction = String(micros % 1000)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    static func awsError(_ error: any Error, record: RequestRecord, logger: Logger) -> AWSError {
        switch error {
        case let error as AWSError:
            return error
        case let error as HTTPError where error.status == .notFound || error.status == .methodNotAllowed:
            return .unknownOperation(target: record.operation)
        case StoreConflict.documentTooLarge(let bytes, let limit):
            return .validation(
                "The resource would be stored as \(bytes) bytes, more than this emulator's limit of \(limit) bytes "
                    + "(--max-document-bytes).")
        case StoreConflict.counterExhausted(let name):
            return AWSError(
                .resourceLimitExceeded,
                "This emulator's counter \(name) is at its maximum of \(StoredCounter.maximumValue); reset the account."
            )
        case is NIOTooManyBytesError:
            return .requestEntityTooLarge(limit: -1)
        case let error as UnreadableStoredDocument:
            logger.error(
                "stored document unreadable",
                metadata: [
                    "operation": .string(record.operation), "resource": .string(error.resource),
                    "error": .string(error.description),
                ])
            return .internalFailure()
        case is PostgresStoreUnavailable:
            // The store logged the outage once; a line per refused request would flood the log.
            return .serviceUnavailable()
        case HTTPParserError.invalidEOFState, ChannelError.ioOnClosedChannel, ChannelError.eof,
            ChannelError.outputClosed, is CancellationError:
            // The client went away in the middle of its request: nobody will read the answer, nothing failed here.
            logger.debug(
                "client went away during the request",
                metadata: ["error": .string(String(describing: error))])
            return .serialization("The request ended before its body was complete.")
        case let error as HTTPParserError:
            // A body the HTTP parser refused (a malformed chunk, say) is the client's error.
            return .serialization("The HTTP request could not be parsed: \(ConnectionGuard.describe(error)).")
        default:
            logger.error(
                "internal failure",
                metadata: [
                    "operation": .string(record.operation), "error": .string(String(reflecting: error)),
                ])
            return .internalFailure()
        }
    }

    static func errorResponse(for error: AWSError) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = WireCodec.contentType
        headers[.amznErrorType] = error.errorCode
        return Response(
            status: HTTPResponse.Status(code: error.httpStatus),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: WireCodec.errorBody(error))))
    }
}
