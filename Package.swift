// swift-tools-version: 6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// Linux only (Debian 12 and its kin): the transports use Glibc and Linux socket options
// (SOCK_CLOEXEC, TCP_USER_TIMEOUT), and libssh2 and libcurl come from Debian's -dev packages.
let package = Package(
    name: "Rollout",
    products: [
        .executable(name: "rollout", targets: ["rollout"]),
        .library(name: "RolloutKit", targets: ["RolloutKit"]),
        .library(name: "BillingCore", targets: ["BillingCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(name: "CLibSSH2", pkgConfig: "libssh2", providers: [.apt(["libssh2-1-dev"])]),
        // Headers only: libcurl itself is loaded with dlopen when the first HTTP request is sent.
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(
            name: "BillingCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .target(
            name: "RolloutKit",
            dependencies: [
                "BillingCore", "CLibSSH2", "CCurl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "rollout",
            dependencies: [
                "RolloutKit", "BillingCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict,
            plugins: ["GitCommit"]
        ),
        // Records the checkout's git commit for `rollout --version`.
        .plugin(name: "GitCommit", capability: .buildTool()),
        // Mutation fuzzer for the loaders (scripts/fuzz).
        .executableTarget(
            name: "rollout-fuzz",
            dependencies: ["RolloutKit"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "rollout-bench",
            dependencies: ["RolloutKit"],
            swiftSettings: strict
        ),
        // Shared by every test target: starts the real servers (sshd, PostgreSQL, supervisord,
        // the reference billing app) once per test process.
        .target(
            name: "TestSupport",
            dependencies: ["RolloutKit"],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "BillingCoreTests",
            dependencies: ["BillingCore"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "RolloutKitTests",
            dependencies: ["RolloutKit", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["RolloutKit", "BillingCore", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
