import GourdFormats

/// Parses Apptainer definition files (apptainer.org/docs/user/main/definition_files.html) into
/// a `Recipe`, the way Apptainer's own parser reads them, but strict where Apptainer would build
/// something else than asked: every error names `file:line` and the cause.
///
/// - The header is every line before the first section: `Key: value` (keys case-insensitive,
///   `#` starts a comment, a trailing `\` continues the value on the next line).
/// - A section starts at a line whose first word begins with `%`; its body runs to the next
///   one. A section given twice is concatenated (scripts) or merged (files, labels), as
///   Apptainer does.
/// - Sections gourd cannot honour (%setup, %pre, %startscript, %arguments, %app*) and
///   multi-stage recipes are refused rather than silently dropped.
public enum RecipeParser {
    /// Header keys Apptainer knows (its parser's validHeaders), lowercased.
    static let apptainerKeys: Set<String> = [
        "bootstrap", "from", "includecmd", "mirrorurl", "updateurl", "osversion", "include",
        "library", "registry", "namespace", "stage", "product", "user", "regcode", "productpgp",
        "registerurl", "modules", "otherurl", "fingerprints", "setopt", "confirmgpg",
    ]

    /// A lowercased header key as Apptainer's documentation spells it, for messages.
    static func displayName(_ key: String) -> String {
        let spellings = [
            "includecmd": "IncludeCmd", "from": "From", "osversion": "OSVersion", "mirrorurl": "MirrorURL",
            "include": "Include",
        ]
        return spellings[key] ?? key
    }

    /// Apptainer agents gourd does not provide, with what to do instead.
    static let unsupportedAgents: [String: String] = [
        "docker-daemon": "save the image with `docker save -o image.tar NAME` and use Bootstrap: docker-archive",
        "library": "gourd does not pull from library registries: pull the SIF file and use Bootstrap: localimage",
        "oras": "gourd does not pull from registries: pull the SIF file and use Bootstrap: localimage",
        "shub": "Singularity Hub is gone: use Bootstrap: localimage with a SIF or squashfs file",
        "yum": "only debootstrap is provided among the distribution bootstrappers: start from a local image instead",
        "zypper": "only debootstrap is provided among the distribution bootstrappers: start from a local image instead",
        "busybox": "use Bootstrap: scratch with busybox in %files (see Recipes/busybox.def)",
        "arch": "only debootstrap is provided among the distribution bootstrappers: start from a local image instead",
    ]

    static let rejectedSections: [String: String] = [
        "setup": "%setup is not supported: it runs on the host as root in Apptainer; copy files with %files and do the rest in %post",
        "pre": "%pre is not supported (it ran on the host before the bootstrap): do the work in %post",
        "startscript": "%startscript is not supported: gourd has no instances",
        "arguments": "%arguments is not supported: gourd has no build arguments ({{ name }} templates)",
    ]

    static let appSections: Set<String> = [
        "appinstall", "applabels", "appfiles", "appenv", "apphelp", "apprun", "appstart", "apptest",
    ]

    /// One physical line of the recipe, 1-based.
    struct Line {
        var number: Int
        var text: String
    }

    public static func parse(_ text: String, file: String) throws(RecipeError) -> Recipe {
        try parse(Array(text.utf8), file: file)
    }

    public static func parse(_ bytes: [UInt8], file: String) throws(RecipeError) -> Recipe {
        let lines = try splitLines(bytes, file: file)
        var index = 0
        // Header: everything before the first section line.
        var headerLines: [Line] = []
        while index < lines.count, sectionWord(lines[index].text) == nil {
            headerLines.append(lines[index])
            index += 1
        }
        // Every problem is reported in one pass, each at its line: the header's, then each
        // section's (a section with a problem is skipped, the next one is still checked).
        var errors: [RecipeError] = []
        let text = String(decoding: bytes, as: UTF8.self)
        var recipe = Recipe(file: file, text: text, bootstrap: Recipe.Bootstrap(agent: "scratch", values: [:]), bootstrapLine: 1)
        do {
            let header = try parseHeader(headerLines, file: file)
            recipe = try makeRecipe(header: header, file: file, text: text, lastLine: max(lines.count, 1))
        } catch {
            errors.append(error)
        }
        // Sections.
        while index < lines.count {
            let start = lines[index]
            index += 1
            var body: [Line] = []
            while index < lines.count, sectionWord(lines[index].text) == nil {
                if startsStage(lines[index].text) {
                    errors.append(
                        RecipeError(
                            file: file, line: lines[index].number,
                            "multi-stage recipes are not supported (a second Bootstrap: header)"))
                }
                body.append(lines[index])
                index += 1
            }
            do { try addSection(start, body: body, to: &recipe) } catch { errors.append(error) }
        }
        if let error = RecipeError.combined(errors) { throw error }
        return recipe
    }

    // MARK: lines

    /// Lines without their end-of-line (LF or CRLF). A NUL byte or invalid UTF-8 is refused
    /// at its line: the recipe is text, and shell scripts are written into the image verbatim.
    static func splitLines(_ bytes: [UInt8], file: String) throws(RecipeError) -> [Line] {
        var lines: [Line] = []
        var start = 0
        var number = 1
        func add(_ end: Int) throws(RecipeError) {
            var slice = bytes[start..<end]
            if slice.last == UInt8(ascii: "\r") { slice = slice.dropLast() }
            if slice.contains(0) { throw RecipeError(file: file, line: number, "a NUL byte: this is not a text file") }
            guard let text = String(validating: slice, as: UTF8.self) else {
                throw RecipeError(file: file, line: number, "not valid UTF-8 text")
            }
            lines.append(Line(number: number, text: text))
        }
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            try add(offset)
            start = offset + 1
            number += 1
        }
        if start < bytes.count { try add(bytes.count) }
        return lines
    }

    /// The section word (after `%`) when the line's first word starts with `%`, as
    /// Apptainer's scanner decides; nil for other lines.
    static func sectionWord(_ line: String) -> String? {
        let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
        guard trimmed.first == "%" else { return nil }
        return String(trimmed.dropFirst().prefix(while: { $0 != " " && $0 != "\t" }))
    }

    /// `Bootstrap:` at the start of a line begins another stage in Apptainer.
    static func startsStage(_ line: String) -> Bool {
        line.lowercased().hasPrefix("bootstrap:")
    }

    /// Splits on runs of spaces and tabs.
    static func words(_ text: Substring) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    // MARK: header

    struct HeaderValue {
        var value: String
        var line: Int
    }

    static func parseHeader(_ lines: [Line], file: String) throws(RecipeError) -> [String: HeaderValue] {
        var header: [String: HeaderValue] = [:]
        var pending: (key: String, value: String, line: Int)?
        func store(_ key: String, _ value: String, _ line: Int) throws(RecipeError) {
            if let first = header[key] {
                throw RecipeError(file: file, line: line, "header key '\(key)' given twice (first at line \(first.line))")
            }
            header[key] = HeaderValue(value: value, line: line)
        }
        for line in lines {
            let trimmed = line.text.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") {
                if let open = pending {
                    try store(open.key, open.value, open.line)
                    pending = nil
                }
                continue
            }
            // As in Apptainer, '#' starts a comment anywhere on a header line.
            let content = String(trimmed.prefix(while: { $0 != "#" })).trimmingWhitespace()
            var key: String
            var value: String
            var keyLine: Int
            if let open = pending {
                (key, value, keyLine) = (open.key, open.value + content, open.line)
                pending = nil
            } else {
                guard let colon = content.firstIndex(of: ":") else {
                    throw RecipeError(
                        file: file, line: line.number,
                        "header line '\(content)' is not 'Key: value' (sections start with %)")
                }
                key = String(content[..<colon]).trimmingWhitespace().lowercased()
                value = String(content[content.index(after: colon)...]).trimmingWhitespace()
                keyLine = line.number
                guard !key.isEmpty else { throw RecipeError(file: file, line: line.number, "header line has no key before ':'") }
                guard apptainerKeys.contains(key) else {
                    throw RecipeError(file: file, line: line.number, "unknown header keyword '\(key)'")
                }
            }
            if value.hasSuffix("\\") {
                pending = (key, String(value.dropLast()), keyLine)
                continue
            }
            try store(key, value, keyLine)
        }
        if let open = pending { try store(open.key, open.value, open.line) }
        return header
    }

    static func makeRecipe(
        header: [String: HeaderValue], file: String, text: String,
        lastLine: Int
    ) throws(RecipeError) -> Recipe {
        guard let bootstrap = header["bootstrap"] else {
            throw RecipeError(
                file: file, line: header.values.map(\.line).min() ?? 1,
                "no 'Bootstrap:' header: the recipe must start with e.g. 'Bootstrap: scratch'")
        }
        let name = bootstrap.value.lowercased()
        guard let agent = BootstrapAgent.named(name) else {
            if let advice = unsupportedAgents[name] {
                throw RecipeError(file: file, line: bootstrap.line, "Bootstrap: \(bootstrap.value) is not supported: \(advice)")
            }
            throw RecipeError(
                file: file, line: bootstrap.line,
                "unknown bootstrap agent '\(bootstrap.value)' (gourd provides: \(BootstrapAgent.names))")
        }
        var ignored: [Recipe.HeaderKey] = []
        var values: [String: String] = [:]
        var errors: [RecipeError] = []
        for (key, entry) in header.sorted(by: { $0.value.line < $1.value.line }) where key != "bootstrap" {
            switch key {
            case "stage":
                errors.append(RecipeError(file: file, line: entry.line, "multi-stage recipes (Stage:) are not supported"))
            case "fingerprints":
                errors.append(
                    RecipeError(
                        file: file, line: entry.line,
                        "Fingerprints: gourd does not verify SIF signatures, so it refuses to pretend it checked them"))
            default:
                guard agent.keys.contains(key) else {
                    errors.append(RecipeError(file: file, line: entry.line, "header key '\(key)' is not used by Bootstrap: \(name)"))
                    continue
                }
                if agent.ignored.contains(key) {
                    ignored.append(Recipe.HeaderKey(key: displayName(key), line: entry.line))
                } else {
                    values[key] = entry.value
                }
            }
        }
        for requirement in agent.required where (values[requirement.key] ?? "").isEmpty {
            errors.append(
                RecipeError(
                    file: file, line: header[requirement.key]?.line ?? bootstrap.line,
                    "Bootstrap: \(name) needs '\(requirement.hint)'"))
        }
        if let error = RecipeError.combined(errors) { throw error }
        let base = Recipe.Bootstrap(agent: name, values: values)
        var recipe = Recipe(file: file, text: text, bootstrap: base, bootstrapLine: bootstrap.line)
        recipe.ignoredKeys = ignored
        return recipe
    }

    // MARK: sections

    static func addSection(_ start: Line, body: [Line], to recipe: inout Recipe) throws(RecipeError) {
        let file = recipe.file
        let trimmed = start.text.trimmingWhitespace()
        let name = String(trimmed.dropFirst().prefix(while: { $0 != " " && $0 != "\t" })).lowercased()
        let args = words(trimmed.dropFirst(name.count + 1))
        func fail(_ message: String) -> RecipeError { RecipeError(file: file, line: start.number, message) }
        if let why = rejectedSections[name] { throw fail(why) }
        if appSections.contains(name) {
            throw fail("%\(name) is not supported: gourd builds no SCIF apps; install into the image with %post")
        }
        switch name {
        case "files":
            if !args.isEmpty {
                if args.first?.lowercased() == "from" {
                    throw fail("%files from a stage: multi-stage recipes are not supported")
                }
                throw fail("%files takes no arguments (got '\(args.joined(by: " "))')")
            }
            for line in body {
                let content = line.text.trimmingWhitespace()
                if content.isEmpty || content.hasPrefix("#") { continue }
                let tokens = try fileTokens(content, file: file, line: line.number)
                guard tokens.count <= 2 else {
                    throw RecipeError(
                        file: file, line: line.number,
                        "%files line has \(tokens.count) paths: expected SOURCE [DESTINATION] (quote paths with spaces)")
                }
                recipe.files.append(
                    Recipe.FileCopy(
                        source: tokens[0], destination: tokens.count == 2 ? tokens[1] : nil,
                        line: line.number))
            }
        case "labels":
            guard args.isEmpty else { throw fail("%labels takes no arguments") }
            for line in body {
                let content = line.text.trimmingWhitespace()
                if content.isEmpty || content.hasPrefix("#") { continue }
                let key = String(content.prefix(while: { $0 != " " && $0 != "\t" }))
                let value = String(content.dropFirst(key.count)).trimmingWhitespace()
                recipe.labels.append(Recipe.Label(key: key, value: value, line: line.number))
            }
        case "environment", "help":
            guard args.isEmpty else { throw fail("%\(name) takes no arguments") }
            let script = Recipe.Script(text: bodyText(body), line: start.number)
            if name == "environment" {
                recipe.environment = merge(recipe.environment, script)
            } else {
                recipe.help = merge(recipe.help, script)
            }
        case "post", "test", "runscript":
            var script = Recipe.Script(text: bodyText(body), line: start.number)
            var rest = args[...]
            while let arg = rest.first {
                rest = rest.dropFirst()
                if arg == "-c" {
                    guard let interpreter = rest.first, interpreter.hasPrefix("/") else {
                        throw fail("%\(name) -c needs the absolute path of an interpreter in the image (e.g. -c /bin/bash)")
                    }
                    script.interpreter = interpreter
                    rest = rest.dropFirst()
                } else if arg.count >= 2, arg.hasPrefix("-"), arg.dropFirst().allSatisfy({ $0.isASCII && $0.isLetter }) {
                    script.options.append(arg)
                } else {
                    throw fail("%\(name): unsupported argument '\(arg)' (only -c INTERPRETER and shell flags such as -x)")
                }
            }
            switch name {
            case "post": recipe.post = merge(recipe.post, script)
            case "test": recipe.test = merge(recipe.test, script)
            default: recipe.runscript = merge(recipe.runscript, script)
            }
        default:
            throw fail(
                name.isEmpty
                    ? "a line starting with '%' but no section name"
                    : "unknown section %\(name) (gourd supports %files, %post, %environment, %runscript, %labels, %help, %test)")
        }
    }

    /// A section given twice: Apptainer appends the bodies; the last section line's arguments win.
    static func merge(_ old: Recipe.Script?, _ new: Recipe.Script) -> Recipe.Script {
        guard var merged = old else { return new }
        merged.text = merged.text.isEmpty ? new.text : merged.text + "\n" + new.text
        if new.interpreter != nil || !new.options.isEmpty {
            merged.interpreter = new.interpreter
            merged.options = new.options
        }
        return merged
    }

    /// The body verbatim, without the blank lines that separate it from the next section.
    static func bodyText(_ body: [Line]) -> String {
        var lines = body.map(\.text)
        while let last = lines.last, last.trimmingWhitespace().isEmpty { lines.removeLast() }
        while let first = lines.first, first.trimmingWhitespace().isEmpty { lines.removeFirst() }
        return lines.joined(by: "\n")
    }

    /// Splits a %files line into paths: whitespace separates them, "..." or '...' quote.
    static func fileTokens(_ text: String, file: String, line: Int) throws(RecipeError) -> [String] {
        var tokens: [String] = []
        var current = ""
        var inToken = false
        var quote: Character?
        for char in text {
            if let open = quote {
                if char == open { quote = nil } else { current.append(char) }
                continue
            }
            switch char {
            case "\"", "'":
                quote = char
                inToken = true
            case " ", "\t":
                if inToken { tokens.append(current) }
                current = ""
                inToken = false
            default:
                current.append(char)
                inToken = true
            }
        }
        if quote != nil { throw RecipeError(file: file, line: line, "%files line has an unterminated quote") }
        if inToken { tokens.append(current) }
        if tokens.contains(where: \.isEmpty) { throw RecipeError(file: file, line: line, "%files line has an empty path") }
        return tokens
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[first...last])
    }
}
