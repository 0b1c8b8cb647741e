using System.Globalization;

namespace Partages.Evaluation.Robustness;

/// <summary>
/// The perturbations a spec may list, by kind, with their parameters checked before any run: an unknown kind,
/// a missing or out-of-range parameter is refused with the list of what is valid.
/// </summary>
public static class PerturbationCatalog
{
    /// <summary>Kind → its parameters, as the spec writes them (for error messages and docs).</summary>
    public static readonly IReadOnlyDictionary<string, string> Kinds = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["remove_accents"] = "no parameter",
        ["case"] = "to: upper | lower",
        ["typos"] = "rate: probability per letter, in (0, 1]",
        ["abbreviations"] = "direction: contract | expand",
        ["join_lines"] = "no parameter",
        ["extra_spaces"] = "rate: probability per space, in (0, 1]",
        ["truncate"] = "words: a whole number ≥ 1",
    };

    /// <summary>Builds one perturbation, or explains in <paramref name="errors"/> why not (one line a problem).</summary>
    public static Perturbation? Create(string kind, IReadOnlyDictionary<string, string> parameters, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        var expected = kind switch
        {
            "case" => new[] { "to" },
            "abbreviations" => ["direction"],
            "typos" or "extra_spaces" => ["rate"],
            "truncate" => ["words"],
            _ => [],
        };
        if (!Kinds.ContainsKey(kind))
        {
            errors.Add($"'{kind}' is not a perturbation (valid: {string.Join(", ", Kinds.Keys)})");
            return null;
        }

        foreach (var name in parameters.Keys.Where(name => !expected.Contains(name, StringComparer.Ordinal)))
        {
            errors.Add($"{kind}: unknown parameter '{name}' ({Kinds[kind]})");
        }

        foreach (var name in expected.Where(name => !parameters.ContainsKey(name)))
        {
            errors.Add($"{kind}: '{name}' is required ({Kinds[kind]})");
        }

        if (errors.Count > before)
        {
            return null;
        }

        Perturbation? perturbation = kind switch
        {
            "remove_accents" => new RemoveAccents(),
            "join_lines" => new JoinLines(),
            "case" => Choice(parameters["to"], "upper", "lower", kind, "to", errors) is { } upper ? new ChangeCase(upper) : null,
            "abbreviations" => Choice(parameters["direction"], "contract", "expand", kind, "direction", errors) is { } contract
                ? new Abbreviations(contract) : null,
            "typos" => Rate(parameters["rate"], kind, errors) is { } rate ? new Typos(rate) : null,
            "extra_spaces" => Rate(parameters["rate"], kind, errors) is { } rate ? new ExtraSpaces(rate) : null,
            _ => Words(parameters["words"], errors) is { } words ? new Truncate(words) : null,
        };
        return perturbation;
    }

    private static bool? Choice(string value, string yes, string no, string kind, string parameter, List<string> errors)
    {
        if (value == yes || value == no)
        {
            return value == yes;
        }

        errors.Add($"{kind}: {parameter} must be {yes} or {no}, not '{value}'");
        return null;
    }

    private static double? Rate(string value, string kind, List<string> errors)
    {
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate > 0 && rate <= 1)
        {
            return rate;
        }

        errors.Add($"{kind}: rate must be a number in (0, 1], not '{value}'");
        return null;
    }

    private static int? Words(string value, List<string> errors)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var words) && words >= 1)
        {
            return words;
        }

        errors.Add($"truncate: words must be a whole number ≥ 1, not '{value}'");
        return null;
    }
}
