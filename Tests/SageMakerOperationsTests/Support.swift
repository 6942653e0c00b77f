import AWSWire
import Foundation
import Logging
import SageMakerModel
import SageMakerOperations
import SageMakerStorage
import Testing

let role = "arn:aws:iam::123456789012:role/Execution"
let alice = OperationContext(account: "111111111111", region: "us-east-1", requestId: "r")

/// A service on an in-memory (or file) SQLite store, a manual clock and its scheduler. The service and the scheduler
/// reach the store through `RerunningStore`, so every transaction body of every operations test runs twice.
struct Harness {
    let clock = ManualClock()
    let store: SQLiteResourceStore
    let rerunning: RerunningStore<SQLiteResourceStore>
    let service: SageMakerService<RerunningStore<SQLiteResourceStore>>
    let scheduler: StatusScheduler<RerunningStore<SQLiteResourceStore>>

    init(
        store: SQLiteResourceStore? = nil,
        delays: StatusDelays = StatusDelays(domainCreate: 5, domainUpdate: 5, domainDelete: 5),
        quotas: Quotas = Quotas()
    ) async throws {
        self.store = try store ?? SQLiteResourceStore(indexer: ResourceIndexing.indexer)
        rerunning = RerunningStore(self.store)
        service = try await SageMakerService.open(
            store: rerunning, clock: clock, configuration: OperationsConfiguration(delays: delays, quotas: quotas))
        scheduler = StatusScheduler(store: rerunning, clock: clock, logger: Logger(label: "test"))
    }

    /// Moves time on and applies whatever became due.
    func advance(_ seconds: Double) async throws {
        clock.advance(by: seconds)
        try await scheduler.runDueTransitions()
    }

    func createDomain(
        _ name: String = "demo", context: OperationContext = alice,
        _ configure: (inout CreateDomainRequest) -> Void = { _ in }
    ) async throws -> String {
        var request = CreateDomainRequest(
            authMode: "IAM", defaultUserSettings: UserSettings(executionRole: role), domainName: name,
            subnetIds: ["subnet-1"], vpcId: "vpc-1")
        configure(&request)
        try ValidationReport.validate(request)
        return try await service.createDomain(request, context: context).domainId!
    }

    /// A studio lifecycle configuration named `name`; returns its ARN.
    @discardableResult
    func createLifecycleConfig(
        _ name: String, appType: StudioLifecycleConfigAppType = .jupyterServer, context: OperationContext = alice
    )
        async throws -> String
    {
        let request = CreateStudioLifecycleConfigRequest(
            studioLifecycleConfigAppType: appType, studioLifecycleConfigContent: "ZWNobyBoaQ==",
            studioLifecycleConfigName: name)
        try ValidationReport.validate(request)
        return try await service.createStudioLifecycleConfig(request, context: context).studioLifecycleConfigArn!
    }

    func createAppImageConfig(_ name: String, context: OperationContext = alice) async throws {
        let request = CreateAppImageConfigRequest(
            appImageConfigName: name,
            kernelGatewayImageConfig: KernelGatewayImageConfig(kernelSpecs: [KernelSpec(name: "python3")]))
        try ValidationReport.validate(request)
        _ = try await service.createAppImageConfig(request, context: context)
    }

    /// An image with `versions` versions, each CREATED (the clock is moved past its delay).
    func createImage(_ name: String, versions: Int = 0, context: OperationContext = alice) async throws {
        _ = try await service.createImage(
            CreateImageRequest(imageName: name, roleArn: "arn:aws:iam::111111111111:role/R"), context: context)
        try await advance(5)
        for number in 0..<versions {
            _ = try await service.createImageVersion(
                CreateImageVersionRequest(
                    baseImage: "123456789012.dkr.ecr.us-east-1.amazonaws.com/\(name):\(number)",
                    clientToken: "t\(number)", imageName: name),
                context: context)
            try await advance(5)
        }
    }

    func describe(_ id: String, context: OperationContext = alice) async throws -> DescribeDomainResponse {
        try await service.describeDomain(DescribeDomainRequest(domainId: id), context: context).value()
    }

    func update(_ request: UpdateDomainRequest, context: OperationContext = alice) async throws {
        try ValidationReport.validate(request)
        _ = try await service.updateDomain(request, context: context)
    }
}

/// The AWS error a call throws, or nil.
func awsError(_ body: () async throws -> Void) async -> AWSError? {
    do {
        try await body()
        return nil
    } catch let error as AWSError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}
