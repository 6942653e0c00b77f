import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage
import Testing

@testable import SageMakerOperations

/// Every kind the store holds is declared whole: what the scheduler, the fault rules, the snapshots, the tags and the
/// delays read of a kind comes from its declaration, and a kind that lacks a part fails here.
@Suite struct ResourceKindTableTests {
    @Test(arguments: ResourceKind.allCases)
    func everyKindIsDeclaredWhole(_ kind: ResourceKind) throws {
        let declaration = ResourceKindDeclaration.of(kind)
        #expect(declaration.kind == kind)
        #expect(!declaration.label.isEmpty)
        #expect(!declaration.statusValues.isEmpty)
        let values = Set(declaration.statusValues)
        // Its ARN names it, and names its row.
        let arn = declaration.arn(alice.scope, id: "some-name")
        #expect(ResourceArn(arn)?.kind == kind)
        #expect(ResourceArn(arn)?.id == "some-name")
        // A document that is not its Describe form is refused, never read as something else.
        #expect(throws: (any Error).self) { try declaration.document.read(Data("[1]".utf8)) }
        if kind != .domain {
            // (A domain's index holds only the references its settings make; a document naming none is not decoded.)
            #expect(throws: (any Error).self) { try declaration.index(Data("[1]".utf8)) }
        }
        if let parent = declaration.parent { #expect(parent != kind) }
        // The statuses its lifecycle moves through, and those its gates name, are the model's.
        if declaration.phases.isEmpty {
            #expect(values == [ResourceKindDeclaration.configurationStatus] || kind == .app || kind == .imageVersion)
        }
        for phase in declaration.phases {
            #expect(values.contains(phase.status), "\(phase.operation)")
            #expect(phase.failures.contains(phase.failure), "\(phase.operation)")
            #expect(Set(phase.failures).isSubset(of: values), "\(phase.operation)")
            // The operation that starts it is served (the generated operation table) and named once.
            #expect(SageMakerOperation(rawValue: phase.operation) != nil, "\(phase.operation)")
            #expect(TransitionPhase(operation: phase.operation)?.phase.status == phase.status)
            // A transition that can be failed takes time by default, so that a rule can meet it.
            let delays = declaration.delays(.fast)
            #expect(max(delays.create, delays.update, delays.delete) > 0, "\(phase.operation)")
        }
        #expect(Set(declaration.updatableFrom).isSubset(of: values))
        #expect(Set(declaration.undeletableIn).isSubset(of: values))
        if !declaration.phases.isEmpty {
            let statuses = declaration.statuses
            var used = [statuses.creating, statuses.ready, statuses.deleting]
            if declaration.phases.contains(where: { $0.status == statuses.updating }) {
                used += [statuses.updating, statuses.afterUpdate]
            }
            for status in used { #expect(values.contains(status), "\(kind): \(status)") }
        }
    }

    @Test func phasesAndDelaysAreNamedOnce() {
        let operations = TransitionPhase.operations
        #expect(Set(operations).count == operations.count)
        #expect(ResourceKindDeclaration.all.map(\.kind) == ResourceKind.allCases)
        let fields = StatusDelays.fields
        #expect(Set(fields.map(\.name)).count == fields.count)
        #expect(Set(fields.map(\.option)).count == fields.count)
        // Each field reads and writes its own member.
        for (index, field) in fields.enumerated() {
            var delays = StatusDelays(domainCreate: 0, domainUpdate: 0, domainDelete: 0)
            for other in fields { delays[keyPath: other.keyPath] = 0 }
            delays[keyPath: field.keyPath] = Double(index + 1)
            #expect(fields.filter { delays[keyPath: $0.keyPath] != 0 }.map(\.name) == [field.name])
        }
    }
}
