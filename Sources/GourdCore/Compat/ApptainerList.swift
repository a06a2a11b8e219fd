/// Apptainer's comma-separated option values (`--env A=1,B=2`, `--no-mount tmp,home`,
/// `APPTAINER_SCRATCH=/a,/b`): read like one CSV record, so a double-quoted item may hold
/// commas (`--env 'A="1,2"'`), as pflag's stringToString and stringSlice read them. Spaces
/// are kept (`--env "PS1=> "`); empty items are dropped.
public enum ApptainerList {
    public static func split(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var quoted = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "\"" {
                let next = text.index(after: index)
                if quoted, next < text.endIndex, text[next] == "\"" {
                    current.append("\"")
                    index = next
                } else {
                    quoted.toggle()
                }
            } else if character == ",", !quoted {
                items.append(current)
                current = ""
            } else {
                current.append(character)
            }
            index = text.index(after: index)
        }
        items.append(current)
        return items.filter { !$0.isEmpty }
    }
}
