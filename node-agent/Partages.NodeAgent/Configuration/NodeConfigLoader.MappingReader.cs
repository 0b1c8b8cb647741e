using Partages.Evaluation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Partages.NodeAgent.Configuration;

public static partial class NodeConfigLoader
{
    /// <summary>Reads typed fields of one mapping, recording an error (with position) for each bad or missing one (policy.yaml's loader uses it too).</summary>
    internal sealed class MappingReader(YamlMappingNode node, string prefix, List<YamlError> errors)
    {
        /// <summary>
        /// The reader of <paramref name="yaml"/>'s root mapping; null, with the error recorded under
        /// <paramref name="what"/> (at its line when YamlDotNet gives one), when the text is not YAML or not one mapping.
        /// </summary>
        /// <param name="example">The example file the error points to.</param>
        public static MappingReader? ForRoot(string yaml, string what, string example, List<YamlError> errors)
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(yaml));
            }
            catch (YamlException ex)
            {
                errors.Add(new YamlError((int)ex.Start.Line, (int)ex.Start.Column, what, $"is not valid YAML: {ex.InnerException?.Message ?? ex.Message}"));
                return null;
            }

            if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                errors.Add(new YamlError(0, 0, what, $"must be one YAML mapping (key: value lines); see {example}"));
                return null;
            }

            return new MappingReader(root, "", errors);
        }

        public MappingReader Child(YamlMappingNode child, string childPrefix) => new(child, childPrefix, errors);

        public void RejectUnknown(IReadOnlyCollection<string> known)
        {
            foreach (var key in node.Children.Keys)
            {
                var text = (key as YamlScalarNode)?.Value ?? key.ToString();
                if (!known.Contains(text))
                {
                    AddErrorAt(key, prefix + text, $"is not a known field here (known: {string.Join(", ", known)})");
                }
            }
        }

        public void AddError(string field, string message)
        {
            var value = Find(field);
            if (value is null)
            {
                AddErrorAt(node, prefix + field, message);
            }
            else
            {
                AddErrorAt(value, prefix + field, message);
            }
        }

        /// <summary>Each problem a validator found in this part, placed at its field's line.</summary>
        public void AddErrors(IEnumerable<FieldError> problems)
        {
            foreach (var problem in problems)
            {
                AddError(problem.Field, problem.Message);
            }
        }

        public void AddErrorAt(YamlNode at, string field, string message) =>
            errors.Add(new YamlError((int)at.Start.Line, (int)at.Start.Column, field, message));

        public string? String(string field, bool required)
        {
            var value = Find(field);
            if (value is null)
            {
                return Missing(field, required);
            }

            if (value is not YamlScalarNode { Value: { } text } scalar || IsNull(scalar))
            {
                AddErrorAt(value, prefix + field, required ? "is required and must be a text value" : "must be a text value");
                return null;
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                AddErrorAt(value, prefix + field, "must not be empty");
                return null;
            }

            return text;
        }

        public int? Integer(string field, int min, int max)
        {
            var value = Find(field);
            if (value is null)
            {
                return null;
            }

            if (value is not YamlScalarNode { Value: { } text } || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                AddErrorAt(value, prefix + field, "must be a whole number");
                return null;
            }

            if (number < min || number > max)
            {
                AddErrorAt(value, prefix + field, $"{number} is outside {min}..{max}");
                return null;
            }

            return number;
        }

        public double? Double(string field, double minExclusive, double max)
        {
            var value = Find(field);
            if (value is null)
            {
                Missing(field, required: true);
                return null;
            }

            if (value is not YamlScalarNode { Value: { } text }
                || !double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var number))
            {
                AddErrorAt(value, prefix + field, "must be a number (e.g. 0.5)");
                return null;
            }

            if (number <= minExclusive || number > max)
            {
                AddErrorAt(value, prefix + field, $"{number.ToString(CultureInfo.InvariantCulture)} is outside ({minExclusive.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]");
                return null;
            }

            return number;
        }

        /// <summary>A list of text values; each bad item is an error. Null when missing (an error if required) or not a list.</summary>
        public IReadOnlyList<(string Text, YamlNode Node)>? Texts(string field, bool required)
        {
            var items = Sequence(field, required);
            if (items is null)
            {
                return null;
            }

            var texts = new List<(string, YamlNode)>();
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is YamlScalarNode { Value: { } text } && !string.IsNullOrWhiteSpace(text))
                {
                    texts.Add((text.Trim(), items[i]));
                }
                else
                {
                    AddErrorAt(items[i], $"{prefix}{field}[{i}]", "must be a non-empty text value");
                }
            }

            return texts;
        }

        public string Prefix => prefix;

        /// <summary>The raw node of a field (null when absent), for fields that take either a word or a mapping.</summary>
        public YamlNode? Node(string field) => Find(field);

        public MappingReader? Mapping(string field, bool required) =>
            Typed<YamlMappingNode>(field, required, "must be a mapping (indented key: value lines)") is { } mapping
                ? new MappingReader(mapping, prefix + field + ".", errors)
                : null;

        public IReadOnlyList<YamlNode>? Sequence(string field, bool required) =>
            Typed<YamlSequenceNode>(field, required, "must be a list ('- item' lines)") is { } sequence ? [.. sequence.Children] : null;

        /// <summary>
        /// A reader for each item of the list <paramref name="field"/> (its <paramref name="items"/>) that is a mapping,
        /// prefixed with its index ("datasets[2].") and with its unknown fields rejected; an item that is not a mapping
        /// is reported (it <paramref name="mustBe"/>) and left out, so the caller compares counts to know.
        /// </summary>
        public IReadOnlyList<MappingReader> MappingItems(string field, IReadOnlyList<YamlNode> items, string mustBe, IReadOnlyCollection<string> known)
        {
            var readers = new List<MappingReader>();
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is not YamlMappingNode mapping)
                {
                    AddErrorAt(items[i], $"{prefix}{field}[{i}]", mustBe);
                    continue;
                }

                var item = Child(mapping, $"{prefix}{field}[{i}].");
                item.RejectUnknown(known);
                readers.Add(item);
            }

            return readers;
        }

        /// <summary>The field's node when it is a <typeparamref name="T"/>; null once it is reported missing or not one.</summary>
        private T? Typed<T>(string field, bool required, string mustBe)
            where T : YamlNode
        {
            var value = Find(field);
            if (value is null)
            {
                Missing(field, required);
                return null;
            }

            if (value is not T typed)
            {
                AddErrorAt(value, prefix + field, mustBe);
                return null;
            }

            return typed;
        }

        private static bool IsNull(YamlScalarNode scalar) =>
            scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL";

        private string? Missing(string field, bool required)
        {
            if (required)
            {
                AddErrorAt(node, prefix + field, "is required");
            }

            return null;
        }

        private YamlNode? Find(string field) =>
            node.Children.TryGetValue(new YamlScalarNode(field), out var value) ? value : null;
    }
}
