// The conformance scenarios (tests/conformance/FORMAT.md) through the Swift
// bindings: prints `PASS <file>` or `FAIL <file>: step <i> (<op>): <why>` for
// each file, in order, and `N passed, M failed` last.
//
// The files come from the environment variable PMSG_SCENARIOS (files or
// folders separated by ':'); unset or empty means the project's scenarios.
import Foundation
import XCTest

final class ConformanceTests: XCTestCase {
    private func paths() -> [String] {
        let given = ProcessInfo.processInfo.environment["PMSG_SCENARIOS"] ?? ""
        if !given.isEmpty { return given.split(separator: ":").map(String.init) }
        // This file is bindings/swift/Tests/PmsgTests/ConformanceTests.swift.
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return [root.appendingPathComponent("tests/conformance/scenarios").path]
    }

    func testScenarios() throws {
        let files = try scenarioFiles(paths())
        var passed = 0
        var failed = 0
        for file in files {
            if let why = runFile(file) {
                failed += 1
                print("FAIL \(file): \(why)")
            } else {
                passed += 1
                print("PASS \(file)")
            }
        }
        print("\(passed) passed, \(failed) failed")
        fflush(stdout)
        XCTAssertEqual(failed, 0, "\(failed) scenario(s) failed")
    }
}
