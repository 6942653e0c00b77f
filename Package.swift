// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "sagemaker-emulator",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sagemaker-emulator", targets: ["sagemaker-emulator"]),
        .executable(name: "sagemaker-codegen", targets: ["sagemaker-codegen"]),
        .library(name: "SageMakerServer", targets: ["SageMakerServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // Wire: AWS JSON 1.1 codec and error bodies. Knows nothing of HTTP frameworks.
        .target(name: "AWSWire", swiftSettings: swiftSettings),
        // SigV4: Authorization header parsing and signature verification. Leaf library on swift-crypto.
        .target(
            name: "AWSSigV4", dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // Model: generated shapes, validators, operation table and handler protocol.
        .target(name: "SageMakerModel", dependencies: ["AWSWire"], swiftSettings: swiftSettings),
        // Code generator: parse the botocore model -> trim -> render Swift.
        .target(name: "SageMakerCodegen", swiftSettings: swiftSettings),
        .executableTarget(name: "sagemaker-codegen", dependencies: ["SageMakerCodegen"], swiftSettings: swiftSettings),
        // Storage: a protocol, its SQLite implementation (the default) and its PostgreSQL one (several replicas).
        .target(
            name: "SageMakerStorage",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Operations: the behaviour of the API.
        .target(
            name: "SageMakerOperations",
            dependencies: [
                "SageMakerModel", "SageMakerStorage", "AWSWire",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Server: Hummingbird app assembly, routing by X-Amz-Target, auth, error mapping.
        .target(
            name: "SageMakerServer",
            dependencies: [
                "SageMakerOperations", "SageMakerStorage", "SageMakerModel", "AWSWire", "AWSSigV4",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sagemaker-emulator",
            dependencies: [
                "SageMakerServer", "SageMakerModel", "SageMakerOperations", "AWSSigV4",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The benchmark's ceiling: a fixed-response Hummingbird server (scripts/bench).
        .executableTarget(
            name: "sagemaker-bench-ceiling",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: swiftSettings
        ),
        // Test targets mirror the library targets.
        .testTarget(name: "AWSWireTests", dependencies: ["AWSWire"], swiftSettings: swiftSettings),
        // Vectors/: AWS's SigV4 signing test suite (data, Apache 2.0), read by the tests, not compiled.
        .testTarget(
            name: "AWSSigV4Tests", dependencies: ["AWSSigV4"], exclude: ["Vectors"], swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SageMakerStorageTests",
            dependencies: [
                "SageMakerStorage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Fixture/: a small service model and the golden files rendered from it (read by the tests, not compiled).
        .testTarget(
            name: "SageMakerCodegenTests", dependencies: ["SageMakerCodegen"], exclude: ["Fixture"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SageMakerModelTests", dependencies: ["SageMakerModel", "AWSWire"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SageMakerOperationsTests",
            dependencies: ["SageMakerOperations", "SageMakerStorage", "SageMakerModel", "AWSWire"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SageMakerServerTests",
            dependencies: [
                "SageMakerServer", "SageMakerModel", "SageMakerOperations", "SageMakerStorage", "AWSSigV4", "AWSWire",
                // Not HummingbirdTesting: it brings AsyncHTTPClient and a second TLS stack (RouterClient.swift).
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
