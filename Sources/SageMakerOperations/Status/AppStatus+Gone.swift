import SageMakerModel

extension AppStatus {
    static func isGone(_ status: String) -> Bool { status == deleted.rawValue || status == failed.rawValue }
}
