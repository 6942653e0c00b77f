import Foundation
import SageMakerCodegen

// Thin CLI over SageMakerCodegen:
//   sagemaker-codegen trim FULL_MODEL.json BOTOCORE_VERSION OUT_TRIMMED.json
//   sagemaker-codegen render TRIMMED.json OUT_DIR
let arguments = CommandLine.arguments.dropFirst()
do {
    switch (arguments.first, arguments.count) {
    case ("trim", 4):
        let args = Array(arguments)
        let full = try Data(contentsOf: URL(fileURLWithPath: args[1]))
        let trimmed = try ModelTrimmer(botocoreVersion: args[2]).trim(fullModel: full)
        try trimmed.write(to: URL(fileURLWithPath: args[3]))
    case ("render", 3):
        let args = Array(arguments)
        let files = try CodegenPipeline.render(trimmedModel: Data(contentsOf: URL(fileURLWithPath: args[1])))
        let written = try CodegenPipeline.write(files, to: URL(fileURLWithPath: args[2]))
        print(written.isEmpty ? "generated files unchanged" : "wrote \(written.joined(separator: ", "))")
    default:
        FileHandle.standardError.write(
            Data("usage: sagemaker-codegen trim FULL VERSION OUT | render TRIMMED OUTDIR\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("sagemaker-codegen: \(error)\n".utf8))
    exit(1)
}
