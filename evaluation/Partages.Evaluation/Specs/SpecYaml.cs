using System.Diagnostics.CodeAnalysis;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Partages.Evaluation.Specs;

/// <summary>
/// Turns untrusted spec text into YamlDotNet's document model, or into one <see cref="YamlError"/> with a line and a
/// column; it never throws. Specs come from evaluators over the network and the coordinator parses them inside its
/// request handlers, so two YamlDotNet behaviours are kept out: exceptions other than <see cref="YamlException"/>
/// (a stray <c>InvalidOperationException</c> for <c>name: [a</c> followed by <c>b: : c</c>), and the document
/// model's recursive descent, which a 60 KB run of <c>[</c> turns into a stack overflow that no catch can stop.
/// The text is first read as a flat stream of events (the parser itself keeps an explicit stack), nesting depth
/// counted, and only a document that passed is built.
/// </summary>
internal static class SpecYaml
{
    /// <summary>A spec is two levels deep (the root mapping, then a list); this leaves room and bounds the builder's recursion.</summary>
    public const int MaxDepth = 20;

    public static bool TryLoad(string yaml, [NotNullWhen(true)] out YamlStream? stream, [NotNullWhen(false)] out YamlError? error)
    {
        stream = null;
        error = Scan(yaml);
        if (error is not null)
        {
            return false;
        }

        var loading = new YamlStream();
        try
        {
            loading.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            error = Invalid(ex.Start, ex.InnerException?.Message ?? ex.Message);
            return false;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The events were well formed, so this is the model refusing the document as a whole (an alias cycle
            // seen while hashing a key, for one): it has no position of its own.
            error = Invalid(Mark.Empty, ex.Message);
            return false;
        }

        stream = loading;
        return true;
    }

    /// <summary>Reads every event once; the first syntax error, or the first node nested deeper than <see cref="MaxDepth"/>.</summary>
    private static YamlError? Scan(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        var depth = 0;
        var reached = Mark.Empty;
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                reached = current.End;
                if (current is SequenceStart or MappingStart)
                {
                    depth++;
                    if (depth > MaxDepth)
                    {
                        return new YamlError(Line(current.Start), Column(current.Start), "spec", $"is nested more than {MaxDepth} levels deep");
                    }
                }
                else if (current is SequenceEnd or MappingEnd)
                {
                    depth--;
                }
            }
        }
        catch (YamlException ex)
        {
            return Invalid(ex.Start, ex.InnerException?.Message ?? ex.Message);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // YamlDotNet lets a few malformed inputs escape as InvalidOperationException and the like, without a
            // position: the last event it read whole is where the text stops making sense.
            return Invalid(reached, ex.Message);
        }

        return null;
    }

    private static YamlError Invalid(Mark at, string message) => new(Line(at), Column(at), "spec", $"is not valid YAML: {message}");

    // YamlDotNet counts from 1; its empty mark (nothing read yet) is 0, and an error still has a place: the start.
    private static int Line(Mark mark) => Math.Max(1, (int)mark.Line);

    private static int Column(Mark mark) => Math.Max(1, (int)mark.Column);
}
