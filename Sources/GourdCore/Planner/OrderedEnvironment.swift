/// An environment that keeps first-insertion order and lets later values win.
struct OrderedEnvironment {
    private(set) var variables: [EnvironmentVariable] = []
    private var index: [String: Int] = [:]

    mutating func set(_ variable: EnvironmentVariable) {
        if let i = index[variable.name] {
            variables[i].value = variable.value
        } else {
            index[variable.name] = variables.count
            variables.append(variable)
        }
    }
}
