using System.Text;

namespace Partages.NodeAgent.Engine.Generation;

/// <summary>
/// A regular language of canonical answers, built from literals, choices and sequences, written as the regex that ONNX
/// Runtime GenAI's guidance (llguidance) enforces. The bundle's output prefix sits in the prompt, so what the model must
/// generate is the rest of an answer after that prefix: <see cref="After"/> takes the language's derivative by the
/// prefix (Brzozowski), so any prefix works, also one that ends inside a value.
/// </summary>
public abstract record OutputGrammar
{
    /// <summary>The empty answer (matches nothing more).</summary>
    public static OutputGrammar Empty { get; } = new LiteralPart("");

    public static OutputGrammar Text(string text) => new LiteralPart(text);

    /// <summary>One of <paramref name="options"/>; null when there is none.</summary>
    public static OutputGrammar? OneOf(IEnumerable<OutputGrammar?> options)
    {
        var list = options.OfType<OutputGrammar>().Distinct().ToList();
        return list.Count switch
        {
            0 => null,
            1 => list[0],
            _ => new ChoicePart(list),
        };
    }

    public static OutputGrammar Sequence(params OutputGrammar[] parts)
    {
        var list = parts.Where(p => p is not LiteralPart { Value.Length: 0 }).ToList();
        return list.Count switch
        {
            0 => Empty,
            1 => list[0],
            _ => new SequencePart(list),
        };
    }

    public static OutputGrammar Optional(OutputGrammar part) => OneOf([Empty, part])!;

    /// <summary>Whether the empty text is an answer.</summary>
    public abstract bool AcceptsEmpty { get; }

    /// <summary>The answers' rests after <paramref name="prefix"/>; null when no answer begins with it.</summary>
    public OutputGrammar? After(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        OutputGrammar? rest = this;
        foreach (var c in prefix)
        {
            rest = rest?.Derive(c);
        }

        return rest;
    }

    /// <summary>The language as a regex in the syntax llguidance reads (Rust's regex), matched against the whole output.</summary>
    public string ToRegex()
    {
        var text = new StringBuilder();
        Write(text);
        return text.ToString();
    }

    /// <summary>The rests of the answers that begin with <paramref name="c"/>; null when none does.</summary>
    protected abstract OutputGrammar? Derive(char c);

    protected abstract void Write(StringBuilder regex);

    private sealed record LiteralPart(string Value) : OutputGrammar
    {
        public override bool AcceptsEmpty => Value.Length == 0;

        protected override OutputGrammar? Derive(char c) => Value.Length > 0 && Value[0] == c ? new LiteralPart(Value[1..]) : null;

        protected override void Write(StringBuilder regex)
        {
            foreach (var c in Value)
            {
                // Rust regex's metacharacters (regex_syntax::is_meta_character); the rest stands for itself.
                if (@"\.+*?()|[]{}^$#&-~".Contains(c, StringComparison.Ordinal))
                {
                    regex.Append('\\');
                }

                regex.Append(c);
            }
        }
    }

    private sealed record ChoicePart(IReadOnlyList<OutputGrammar> Options) : OutputGrammar
    {
        public override bool AcceptsEmpty => Options.Any(o => o.AcceptsEmpty);

        protected override OutputGrammar? Derive(char c) => OneOf(Options.Select(o => o.Derive(c)));

        protected override void Write(StringBuilder regex)
        {
            // An empty option is written as the group's '?', the plainest form every regex dialect reads.
            var written = Options.Where(o => o is not LiteralPart { Value.Length: 0 }).ToList();
            regex.Append("(?:");
            for (var i = 0; i < written.Count; i++)
            {
                regex.Append(i == 0 ? "" : "|");
                written[i].Write(regex);
            }

            regex.Append(written.Count < Options.Count ? ")?" : ")");
        }

        public bool Equals(ChoicePart? other) => other is not null && Options.SequenceEqual(other.Options);

        public override int GetHashCode() => Options.Count;
    }

    private sealed record SequencePart(IReadOnlyList<OutputGrammar> Parts) : OutputGrammar
    {
        public override bool AcceptsEmpty => Parts.All(p => p.AcceptsEmpty);

        protected override OutputGrammar? Derive(char c)
        {
            var head = Parts[0].Derive(c) is { } derived ? Sequence([derived, .. Parts.Skip(1)]) : null;
            var skip = Parts[0].AcceptsEmpty ? Sequence([.. Parts.Skip(1)]).Derive(c) : null;
            return OneOf([head, skip]);
        }

        protected override void Write(StringBuilder regex)
        {
            foreach (var part in Parts)
            {
                part.Write(regex);
            }
        }

        public bool Equals(SequencePart? other) => other is not null && Parts.SequenceEqual(other.Parts);

        public override int GetHashCode() => Parts.Count;
    }
}
