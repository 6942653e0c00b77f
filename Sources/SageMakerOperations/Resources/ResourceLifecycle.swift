import AWSWire
import Foundation
import SageMakerModel
import SageMakerStorage

/// Create, describe, update and delete, written once for every declared kind. An operation says what is its own
/// (the document it builds, the change it makes, the children that block a delete) and the lifecycle does the rest:
/// not found, status gates, quotas and name conflicts, transitions, the durable write.
extension SageMakerService {
    /// A Describe answered with the stored document as it is (it is the Describe wire form).
    func describeResource<Shape>(
        _ declaration: ResourceKindDeclaration, id: String, context: OperationContext
    )
        async throws -> DescribeOutput<Shape>
    {
        guard let record = try await store.fetch(declaration.kind, scope: context.scope, id: id) else {
            throw declaration.notFound(id, context)
        }
        return .encoded(Array(record.document))
    }

    /// Creates a resource inside a domain (a user profile, a space): the domain must exist and be InService; `make`
    /// builds the document (with the status it starts in) and runs the kind's own checks in the same transaction;
    /// the resource gets the domain's next home directory uid, and is inserted under the kind's quota.
    func createInDomain<Document: StatusCarrying & HomeDirectoryOwning & Sendable>(
        _ declaration: ResourceKindDeclaration, domainId: String, id: String, nameKey: String, tags: [Tag]?,
        context: OperationContext,
        make:
            @escaping @Sendable (DescribeDomainResponse, any ResourceTransaction, _ status: String, _ now: Date) throws
            -> Document
    ) async throws {
        let arn = declaration.arn(context.scope, id: id)
        let now = now()
        let (status, transition) = firstStatus(declaration, at: now)
        let quotas = configuration.quotas
        let documents = domains
        try await store.transaction { tx in
            let (_, domain) = try tx.domainForNewChild(
                domainId, creating: declaration.label, arn, context, documents: documents)
            var document = try make(domain, tx, status, now)
            let uid = try tx.nextCounterValue(
                "home-efs-uid/" + domainId, scope: context.scope, start: ResourceNames.firstFileSystemUid)
            document.homeEfsFileSystemUid = String(uid)
            let record = StoredResource(
                kind: declaration.kind, scope: context.scope, parentId: domainId, id: id, nameKey: nameKey,
                status: status, transition: transition, document: try StoredDocument.encode(document),
                tags: try tags.map(StoredDocument.encode))
            try tx.insertNew(record, declaration, arn: arn, quotas: quotas)
        }
    }

    /// The status a new resource of a kind starts in, and the transition to ready after its create delay (none, and
    /// ready at once, without one).
    func firstStatus(
        _ declaration: ResourceKindDeclaration, at now: Date, endingIn end: String? = nil
    )
        -> (String, PendingTransition?)
    {
        let end = end ?? declaration.statuses.ready
        let transition = StatusDelays.transition(
            to: end, after: declaration.delays(controls.delays).create, from: now)
        return (transition == nil ? end : declaration.statuses.creating, transition)
    }

    /// Creates a resource that is not inside a domain (an image, an image version): it starts in its kind's creating
    /// status, ready after the kind's delay (at once without one). `make` builds its document with that status and
    /// time in the same transaction, and may read and check other resources there (an image version's image).
    /// Returns the ARN.
    func createResource<Document: WireEncodable & Sendable>(
        _ declaration: ResourceKindDeclaration, id: String, parentId: String = "", tags: Data? = nil,
        endingIn end: String? = nil, context: OperationContext,
        make:
            @escaping @Sendable (any ResourceTransaction, _ arn: String, _ status: String, _ now: Date) throws
            -> Document
    ) async throws -> String {
        let arn = declaration.arn(context.scope, id: id)
        let now = now()
        let (status, transition) = firstStatus(declaration, at: now, endingIn: end)
        let quotas = configuration.quotas
        try await store.transaction { tx in
            let document = try make(tx, arn, status, now)
            let record = StoredResource(
                kind: declaration.kind, scope: context.scope, parentId: parentId, id: id, nameKey: id, status: status,
                transition: transition, document: try StoredDocument.encode(document), tags: tags)
            try tx.insertNew(record, declaration, arn: arn, quotas: quotas)
        }
        return arn
    }

    /// Updates a resource: it must exist and be in a status updates start from; `change` edits its document (and
    /// may read other resources through the transaction); it goes Updating, then where an update ends after the
    /// kind's delay. Returns its ARN.
    func updateResource<Document: StatusCarrying & ResourceDocument & Sendable>(
        _ declaration: ResourceKindDeclaration, id: String, as type: Document.Type, context: OperationContext,
        change: @escaping @Sendable (inout Document, any ResourceTransaction) throws -> Void
    ) async throws -> String {
        try await transitionResource(
            declaration, id: id, as: type, verb: "update", from: declaration.updatableFrom,
            through: declaration.statuses.updating, to: declaration.statuses.afterUpdate,
            delay: declaration.delays(controls.delays).update, context: context, change: change)
    }

    /// Moves a resource through the status `through` to `end` after `delay` (at once without one): it must exist
    /// and be in one of the statuses `from` (else the kind's refusal, naming `verb`); `change` edits its document
    /// first. Returns its ARN.
    func transitionResource<Document: StatusCarrying & ResourceDocument & Sendable>(
        _ declaration: ResourceKindDeclaration, id: String, as type: Document.Type, verb: String, from: Set<String>,
        through: String, to end: String, delay: Double, context: OperationContext,
        change: @escaping @Sendable (inout Document, any ResourceTransaction) throws -> Void = { _, _ in }
    ) async throws -> String {
        let now = now()
        let transition = StatusDelays.transition(to: end, after: delay, from: now)
        return try await store.transaction { tx in
            guard var record = try tx.fetch(declaration.kind, scope: context.scope, id: id) else {
                throw declaration.notFound(id, context)
            }
            var document = try StoredDocument.decode(Document.self, from: record.document)
            let arn = document.arn ?? declaration.arn(context.scope, id: id)
            guard from.contains(record.status) else {
                throw declaration.refused(verb, arn, status: record.status)
            }
            try change(&document, tx)
            try record.begin(&document, through: through, to: end, transition: transition, at: now)
            try tx.update(record)
            return arn
        }
    }

    /// Deletes a resource: it must exist and not be in a status that refuses deletes; `checkChildren` refuses while
    /// something still depends on it; it goes Deleting and is removed after the kind's delay (at once without one).
    func deleteResource<Document: StatusCarrying & ResourceDocument & Sendable>(
        _ declaration: ResourceKindDeclaration, id: String, as type: Document.Type, context: OperationContext,
        checkChildren: @escaping @Sendable (Document, StoredResource, any ResourceTransaction) throws -> Void
    ) async throws {
        let now = now()
        let delay = declaration.delays(controls.delays).delete
        try await store.transaction { tx in
            guard var record = try tx.fetch(declaration.kind, scope: context.scope, id: id) else {
                throw declaration.notFound(id, context)
            }
            var document = try StoredDocument.decode(Document.self, from: record.document)
            let arn = document.arn ?? declaration.arn(context.scope, id: id)
            if declaration.undeletableIn.contains(record.status) {
                throw declaration.refused("delete", arn, status: record.status)
            }
            try checkChildren(document, record, tx)
            try record.beginDeletion(&document, after: delay, at: now, statuses: declaration.statuses)
                ? tx.update(record) : tx.remove(record)
        }
    }
}

extension SageMakerService {
    /// Stores a new lifecycle or image configuration, whose name is unique in the account and region.
    func insertConfiguration(
        _ declaration: ResourceKindDeclaration, name: String, document: some WireEncodable, tags: [Tag]?,
        context: OperationContext
    ) async throws -> String {
        let arn = declaration.arn(context.scope, id: name)
        let record = StoredResource(
            kind: declaration.kind, scope: context.scope, id: name, nameKey: name,
            status: ResourceKindDeclaration.configurationStatus,
            document: try StoredDocument.encode(document), tags: try tags.map(StoredDocument.encode))
        do {
            _ = try await store.insert(record, limit: nil)
        } catch StoreConflict.nameTaken {
            throw declaration.alreadyExists(arn)
        }
        return arn
    }
}

extension ResourceTransaction {
    /// Inserts a new resource under its kind's quota, with the store's refusals as AWS's errors.
    func insertNew(
        _ record: StoredResource, _ declaration: ResourceKindDeclaration, arn: String, quotas: Quotas
    ) throws {
        let limit = declaration.quota?.limit(quotas)
        do {
            try insert(record, limit: limit)
        } catch StoreConflict.nameTaken {
            throw declaration.alreadyExists(arn)
        } catch StoreConflict.limitReached(let current) {
            throw declaration.limitExceeded(limit: limit ?? current, current: current)
        }
    }
}
