/// A recipe that cannot be built as written: `file:line: message`.
public struct RecipeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String
    /// Further problems of the same recipe, found in the same pass (a user fixes them all at once).
    public var more: [RecipeError] = []

    public init(file: String, line: Int, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// One error for several, in line order: the first, with the rest in `more`.
    static func combined(_ errors: [RecipeError]) -> RecipeError? {
        let sorted = errors.flatMap { [$0.withoutMore] + $0.more }.sorted { $0.line < $1.line }
        guard var first = sorted.first else { return nil }
        first.more = Array(sorted.dropFirst())
        return first
    }

    var withoutMore: RecipeError { RecipeError(file: file, line: line, message) }

    /// `file:line: message`, one line per problem.
    public var description: String { ([withoutMore] + more).map { "\($0.file):\($0.line): \($0.message)" }.joined(by: "\n") }
}
