/// Decides the Swift form of a parsed service model: names, types, constraints, constants.
extension SwiftModel {
    public init(_ service: ServiceModel) {
        let constrained = Self.constrainedShapes(service)
        let constrainedSet = Set(constrained)
        func type(_ shapeName: String) -> TypeRef {
            guard let shape = service.shapes[shapeName] else { return .string(constraint: nil) }
            let constraint = constrainedSet.contains(shapeName) ? shapeName : nil
            switch shape.type {
            case "structure": return .structure(shapeName)
            case "boolean": return .bool
            case "integer": return .integer(constraint: constraint)
            case "long": return .long(constraint: constraint)
            case "float", "double": return .double(constraint: constraint)
            case "timestamp": return .timestamp
            case "list": return .list(of: type(shape.member?.shape ?? ""), constraint: constraint)
            case "map":
                // Keys stay text: a dictionary is keyed by what the wire wrote.
                var key = type(shape.key?.shape ?? "")
                if case .enumeration(_, let keyConstraint) = key { key = .string(constraint: keyConstraint) }
                return .map(key: key, value: type(shape.value?.shape ?? ""), constraint: constraint)
            default:
                return shape.enum != nil
                    ? .enumeration(shapeName, constraint: constraint) : .string(constraint: constraint)
            }
        }
        let structureNames = service.shapes.filter { $0.value.type == "structure" && $0.value.exception != true }
            .keys.sorted()
        var structures = structureNames.map { name in
            let shape = service.shapes[name]
            let required = Set(shape?.required ?? [])
            let members = (shape?.memberOrder ?? []).map { wireName in
                let memberShape = shape?.members?[wireName]?.shape ?? ""
                return Member(
                    wireName: wireName, property: Self.propertyName(wireName), bareName: Self.lowerCamel(wireName),
                    shape: memberShape, type: type(memberShape), isRequired: required.contains(wireName),
                    referenceKind: Self.referenceMembers[wireName],
                    zeroIsAbsent: Self.zeroIsAbsent.contains("\(name).\(wireName)"))
            }
            return Structure(name: name, members: members, isUnion: shape?.union == true, collectsReferences: false)
        }
        // Structures that refer to other resources, directly or through nested ones: grown to a fixed point.
        var referencing = Set<String>()
        var changed = true
        while changed {
            changed = false
            for structure in structures where !referencing.contains(structure.name) {
                let holds = structure.members.contains { member in
                    member.referenceKind != nil || referencing.contains(member.type.elementStructure ?? "")
                }
                if holds {
                    referencing.insert(structure.name)
                    changed = true
                }
            }
        }
        for index in structures.indices {
            structures[index].collectsReferences = referencing.contains(structures[index].name)
        }

        self.init(
            apiVersion: service.metadata.apiVersion, botocoreVersion: service.emulator?.botocoreVersion ?? "unknown",
            targetPrefix: service.metadata.targetPrefix, structures: structures,
            constraints: constrained.compactMap { name in service.shapes[name].map { Self.constraint(name, $0) } },
            vocabularies: service.shapes.filter { $0.value.enum != nil }.keys.sorted().map { name in
                Vocabulary(shape: name, constants: Self.constants(service.shapes[name]?.enum ?? []))
            },
            operations: service.operations.keys.sorted().map { name in
                let operation = service.operations[name]
                return Operation(
                    name: name, method: Self.lowerCamel(name), input: operation?.input?.shape,
                    output: operation?.output?.shape, returnsWireDocument: name.hasPrefix("Describe"))
            },
            errors: Set(service.operations.values.flatMap { $0.errors ?? [] }.map(\.shape)).sorted().map { code in
                ModelledError(code: code, name: Self.lowerCamel(code))
            },
            otherOperations: service.emulator?.otherOperations ?? [])
    }

    /// Members that name other resources: the custom images and lifecycle configurations a settings shape attaches.
    static let referenceMembers: [String: String] = [
        "CustomImages": "customImages", "LifecycleConfigArns": "lifecycleConfigArns",
        "LifecycleConfigArn": "lifecycleConfigArn",
    ]

    /// Integers that a real client sends as 0 when its user left them out, and that AWS takes as absent: the
    /// Terraform provider writes every idle-settings number it has, 0 for those not configured
    /// (docs/behaviour.md, "Idle settings sent as 0").
    static let zeroIsAbsent: Set<String> = [
        "IdleSettings.IdleTimeoutInMinutes", "IdleSettings.MaxIdleTimeoutInMinutes",
        "IdleSettings.MinIdleTimeoutInMinutes", "SpaceIdleSettings.IdleTimeoutInMinutes",
    ]

    static func constrainedShapes(_ service: ServiceModel) -> [String] {
        service.shapes.filter { entry in
            let shape = entry.value
            switch shape.type {
            case "string", "blob", "integer", "long", "float", "double":
                return shape.min != nil || shape.max != nil || shape.pattern != nil || shape.enum != nil
            case "list", "map":
                return shape.min != nil || shape.max != nil
            default:
                return false
            }
        }.keys.sorted()
    }

    static func constraint(_ name: String, _ shape: ServiceModel.Shape) -> Constraint {
        let min = shape.min.map { Int64($0) }
        let max = shape.max.map { Int64($0) }
        switch shape.type {
        case "string", "blob":
            return Constraint(
                shape: name, kind: .string(min: min, max: max, pattern: shape.pattern, values: shape.enum))
        case "list", "map":
            return Constraint(shape: name, kind: .count(min: min, max: max))
        default:
            return Constraint(shape: name, kind: .number(min: min, max: max))
        }
    }

    /// A constant per enum value, named in lower camel case from its words (`Update_Failed` -> `updateFailed`,
    /// `ml.t3.medium` -> `mlT3Medium`); names that would clash get the value's position.
    static func constants(_ values: [String]) -> [Vocabulary.Constant] {
        var taken = Set<String>()
        return values.enumerated().map { position, value in
            let words = value.split { !($0.isLetter || $0.isNumber) }.map(String.init)
            var name = words.enumerated().map { index, word in
                guard index > 0 else { return lowerCamel(word) }
                let rest =
                    word.contains(where: \.isLowercase) ? String(word.dropFirst()) : word.dropFirst().lowercased()
                return word.prefix(1).uppercased() + rest
            }.joined()
            if name.isEmpty || name.first?.isNumber == true { name = "_" + name }
            if taken.contains(name) { name += "\(position)" }
            taken.insert(name)
            return Vocabulary.Constant(name: swiftKeywords.contains(name) ? "`\(name)`" : name, value: value)
        }
    }

    static let swiftKeywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "protocol", "public", "rethrows", "static", "struct",
        "subscript", "typealias", "var", "break", "case", "continue", "default", "defer", "do", "else", "fallthrough",
        "for", "guard", "if", "in", "repeat", "return", "switch", "where", "while", "as", "catch", "false", "is",
        "nil", "self", "super", "throw", "throws", "true", "try", "Any", "Self", "Type",
    ]

    /// `VpcId` -> `vpcId`, `IPAddressType` -> `ipAddressType`, `S3KmsKeyId` -> `s3KmsKeyId`.
    public static func lowerCamel(_ name: String) -> String {
        let chars = Array(name)
        var upperRun = 0
        while upperRun < chars.count, chars[upperRun].isUppercase || (upperRun > 0 && chars[upperRun].isNumber) {
            upperRun += 1
        }
        if upperRun == 0 { return name }
        var lowered = upperRun
        if upperRun > 1, upperRun < chars.count, chars[upperRun].isLowercase { lowered = upperRun - 1 }
        return String(chars[0..<lowered]).lowercased() + String(chars[lowered...])
    }

    static func propertyName(_ member: String) -> String {
        let name = lowerCamel(member)
        return swiftKeywords.contains(name) ? "`\(name)`" : name
    }
}
