using System.Text;

namespace Partages.Evaluation.Tests.Specs;

/// <summary>
/// Malformed YAML must come back as <see cref="YamlError"/>s, never as an exception: the coordinator parses
/// every submitted spec inside a gRPC handler, where an escaping exception becomes UNKNOWN, and the CLI prints one
/// as a stack trace. Deterministic seeds, so a failure names an input that can be replayed.
/// </summary>
public sealed class SpecParserFuzzTests
{
    /// <summary>The punctuation YAML gives meaning to, plus the whitespace it is picky about.</summary>
    private const string Punctuation = "[]{}:,&*!|>'\"#-?%@`\t\n ";

    /// <summary>
    /// Parsing runs on threads with this much stack: a recursive descent into a deeply nested document would
    /// overflow it and take the whole process down (a stack overflow cannot be caught), as it would a coordinator.
    /// </summary>
    private const int SmallStackBytes = 256 * 1024;

    private static readonly string[] Seeds =
    [
        ShippedSpecs.Yaml("amr-resistance.yaml"),
        ShippedSpecs.Yaml("oncology-biomarkers-ner.yaml"),
        "version: 1\nname: amr\ntask: single_label_classification\ndataset: amr-reports\nlabels: [a, b]\n",
        "version: 1\nname: &n amr\ndescription: *n\ntask: single_label_classification\ndataset: amr-reports\nlabels:\n  - a\n  - b\nnodes: {}\n",
        "version: 1\nname: 'quoted'\ndescription: |\n  block\n  text\ntask: \"single_label_classification\"\ndataset: x\nlabels: [a, {b: c}, [d]]\n",
        "base: &b {version: 1, labels: [a, b]}\n<<: *b\n? complex key\n: value\n--- \nsecond: document\n...\n",
    ];

    [Test]
    public void Parse_ReportedCase_IsASpecErrorWithLineAndColumn()
    {
        var result = SpecParser.Parse("name: [a\nb: : c\n");

        result.IsValid.Should().BeFalse();
        result.Errors.Should().ContainSingle().Which.Should().Match<YamlError>(e => e.Line > 0 && e.Column > 0 && e.Field == "spec");
    }

    [TestCase(1, 2500)]
    [TestCase(2, 2500)]
    public void Parse_MutatedSpecs_NeverThrowAndReportYamlErrorsWithAPosition(int seed, int count)
    {
        var random = new Random(seed);
        var inputs = Enumerable.Range(0, count).Select(_ => Mutate(random, Seeds[random.Next(Seeds.Length)])).ToList();

        var failures = ParseOnSmallStack(inputs);

        failures.Should().BeEmpty();
    }

    [TestCase("flow-sequence")]
    [TestCase("flow-mapping")]
    [TestCase("block-sequence")]
    [TestCase("block-mapping")]
    public void Parse_DeeplyNestedDocument_IsRefusedWithoutOverflowingTheStack(string style)
    {
        // As deep as fits within the 64 KiB size limit.
        var yaml = style switch
        {
            "flow-sequence" => new string('[', 30_000) + "x" + new string(']', 30_000),
            "flow-mapping" => string.Concat(Enumerable.Repeat("{a: ", 12_000)) + "x" + new string('}', 12_000),
            "block-sequence" => string.Concat(Enumerable.Repeat("- ", 30_000)) + "x",
            _ => string.Concat(Enumerable.Range(0, 300).Select(i => new string(' ', i) + "a:\n")),
        };

        var failures = ParseOnSmallStack([yaml]);

        failures.Should().BeEmpty();
        SpecParser.Parse(yaml).Errors.Should().ContainSingle().Which.Message.Should().Contain("nested");
    }

    [Test]
    public void Parse_AliasesReferringToThemselvesOrUndefined_AreSpecErrors()
    {
        string[] inputs =
        [
            "a: &x [*x]\n",
            "a: &x {b: *x}\nname: *x\n",
            "name: *undefined\n",
            "&a a: *a\n",
            "? &k [1]\n: v\n? *k\n: w\n",
            "a: &a [b]\nname: *a\nlabels: *a\nnodes: *a\n",
            "name: x\nname: y\n",
        ];

        var failures = ParseOnSmallStack(inputs);

        failures.Should().BeEmpty();
        foreach (var input in inputs)
        {
            SpecParser.Parse(input).IsValid.Should().BeFalse(input);
        }
    }

    /// <summary>Parses each input on a small-stack thread; returns a description of each one that threw or reported a YAML error without its position.</summary>
    private static List<string> ParseOnSmallStack(IReadOnlyList<string> inputs)
    {
        var failures = new List<string>();
        var thread = new Thread(
            () =>
            {
                foreach (var input in inputs)
                {
                    try
                    {
                        var result = SpecParser.Parse(input);
                        if (result.Errors.FirstOrDefault(e => e.Message.StartsWith("is not valid YAML", StringComparison.Ordinal) && (e.Line < 1 || e.Column < 1)) is { } unplaced)
                        {
                            failures.Add($"no position for '{unplaced}' in:{Environment.NewLine}{Show(input)}");
                        }
                    }
                    catch (Exception ex)
                    {
                        failures.Add($"{ex.GetType().Name}: {ex.Message} in:{Environment.NewLine}{Show(input)}");
                    }
                }
            },
            SmallStackBytes);
        thread.Start();
        thread.Join();
        return failures;
    }

    private static string Mutate(Random random, string seed)
    {
        var text = new StringBuilder(seed);
        var mutations = 1 + random.Next(4);
        for (var m = 0; m < mutations && text.Length > 0; m++)
        {
            var at = random.Next(text.Length + 1);
            switch (random.Next(9))
            {
                case 0: // truncation
                    text.Length = at;
                    break;
                case 1: // byte flip into YAML punctuation
                    if (at < text.Length)
                    {
                        text[at] = Punctuation[random.Next(Punctuation.Length)];
                    }

                    break;
                case 2: // insertions of punctuation
                    for (var i = random.Next(1, 6); i > 0; i--)
                    {
                        text.Insert(random.Next(text.Length + 1), Punctuation[random.Next(Punctuation.Length)]);
                    }

                    break;
                case 3: // any character at all, control characters and surrogate halves included
                    text.Insert(at, (char)random.Next(0, 0xFFFF));
                    break;
                case 4: // tabs where YAML forbids them (indentation)
                    text.Insert(LineStart(text, at), '\t');
                    break;
                case 5: // nesting, opened and maybe never closed
                    var depth = random.Next(1, 200);
                    text.Insert(at, random.Next(2) == 0 ? new string('[', depth) : string.Concat(Enumerable.Repeat("{a: ", depth)));
                    break;
                case 6: // anchors and aliases, defined or not, merge keys
                    string[] aliases = ["&a ", "*a", "*b ", "<<: *a\n", "&a [*a]", "? *a\n: x\n", "!!map ", "!custom ", "!!binary "];
                    text.Insert(at, aliases[random.Next(aliases.Length)]);
                    break;
                case 7: // a line repeated (duplicate keys) or removed
                    var start = LineStart(text, at);
                    var end = seed.Length > 0 ? LineEnd(text, at) : at;
                    var line = text.ToString(start, end - start);
                    if (random.Next(2) == 0)
                    {
                        text.Insert(start, line + "\n");
                    }
                    else
                    {
                        text.Remove(start, end - start);
                    }

                    break;
                default: // YAML directives and document markers in the middle
                    string[] markers = ["\n---\n", "\n...\n", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "--- |\n", "\n? "];
                    text.Insert(at, markers[random.Next(markers.Length)]);
                    break;
            }
        }

        return text.ToString();
    }

    private static int LineStart(StringBuilder text, int at)
    {
        var i = Math.Min(at, text.Length);
        while (i > 0 && text[i - 1] != '\n')
        {
            i--;
        }

        return i;
    }

    private static int LineEnd(StringBuilder text, int at)
    {
        var i = Math.Min(at, text.Length);
        while (i < text.Length && text[i] != '\n')
        {
            i++;
        }

        return i;
    }

    private static string Show(string input) => input.Length > 400 ? input[..400] + "…" : input;
}
