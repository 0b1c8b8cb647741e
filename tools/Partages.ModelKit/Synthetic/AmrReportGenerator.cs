using static Partages.ModelKit.Synthetic.AmrPhrases;
using static Partages.ModelKit.Synthetic.Microbiology;

namespace Partages.ModelKit.Synthetic;

/// <summary>
/// Fictional microbiology reports labelled with the resistance they show. A bag-of-words model reads
/// most of them right; the rest are built to mislead it as real reports do: negations ("absence de
/// BLSE"), history ("antécédent de SARM"), co-isolates, and reports whose only evidence is the
/// antibiogram, where "R" and "S" are the same two words whatever antibiotic they follow.
/// </summary>
public static class AmrReportGenerator
{
    private static readonly string[] s_services =
    [
        "Réanimation médicale", "Urologie", "Médecine interne", "Gériatrie", "Chirurgie digestive", "Maladies infectieuses",
        "Néphrologie", "Hématologie", "Urgences", "Soins de suite et de réadaptation", "Chirurgie orthopédique", "Pneumologie",
    ];

    private static readonly string[] s_servicesShort =
        ["réa", "uro", "MI", "gériatrie", "chir dig", "SMIT", "néphro", "héma", "SAU", "SSR", "ortho", "pneumo"];

    public static IReadOnlyList<AmrReport> Generate(HospitalProfile profile, int count, ulong seed) =>
        HospitalCorpus.Generate(profile, count, seed, corpus: "amr", idKind: "amr", (random, id) => Generate(profile, random, id));

    private static AmrReport Generate(HospitalProfile profile, DeterministicRandom random, string id)
    {
        var label = AmrLabels.All[random.PickWeighted(profile.AmrLabelWeights)];
        var style = profile.Style ?? (ReportStyle)random.Next(3);
        var draft = Draw(label, profile, random);
        var text = style switch
        {
            ReportStyle.Structured => RenderStructured(draft, random),
            ReportStyle.Narrative => RenderNarrative(draft, random),
            _ => RenderTerse(draft, random),
        };
        return new AmrReport(id, text, label);
    }

    /// <summary>One report's facts, drawn before any wording: the renderers and <see cref="AmrPhrases"/> only choose words.</summary>
    internal sealed record Draft(
        string Label,
        Organism? Organism,
        SpecimenKind Specimen,
        string? Carbapenemase,
        bool AlsoBlse,
        List<SusceptibilityResult> Antibiogram,
        int Service,
        bool StatesConclusion,
        bool Preliminary,
        string? Distractor,
        int Day,
        int Month,
        int RequestNumber);

    private static Draft Draw(string label, HospitalProfile profile, DeterministicRandom random)
    {
        Organism? organism;
        SpecimenKind specimen;
        string? carbapenemase = null;
        var alsoBlse = false;

        switch (label)
        {
            case AmrLabels.Blse:
                organism = Pick(random, (EColi, 0.6), (KPneumoniae, 0.3), (ECloacae, 0.1));
                specimen = Pick(random, (SpecimenKind.Urine, 0.45), (SpecimenKind.Blood, 0.2), (SpecimenKind.RectalScreening, 0.2), (SpecimenKind.Pus, 0.1), (SpecimenKind.Respiratory, 0.05));
                break;
            case AmrLabels.Epc:
                organism = Pick(random, (KPneumoniae, 0.5), (EColi, 0.25), (ECloacae, 0.15), (CFreundii, 0.1));
                specimen = Pick(random, (SpecimenKind.RectalScreening, 0.45), (SpecimenKind.Urine, 0.25), (SpecimenKind.Blood, 0.15), (SpecimenKind.Pus, 0.1), (SpecimenKind.Respiratory, 0.05));
                carbapenemase = Carbapenemases[random.PickWeighted(CarbapenemaseWeights)];
                alsoBlse = carbapenemase != "KPC" && random.Chance(0.5);
                break;
            case AmrLabels.Sarm:
                organism = SAureus;
                specimen = Pick(random, (SpecimenKind.Pus, 0.35), (SpecimenKind.NasalScreening, 0.3), (SpecimenKind.Blood, 0.2), (SpecimenKind.Respiratory, 0.15));
                break;
            default:
                if (random.Chance(0.12))
                {
                    // A negative screening swab: nothing grew that matters, and the report says so
                    // with the very words a resistant report uses.
                    organism = null;
                    specimen = random.Chance(0.6) ? SpecimenKind.RectalScreening : SpecimenKind.NasalScreening;
                    break;
                }

                organism = Pick(random, (EColi, 0.35), (KPneumoniae, 0.12), (PMirabilis, 0.08), (SAureus, 0.2), (EFaecalis, 0.1), (PAeruginosa, 0.1), (SAgalactiae, 0.05));
                specimen = organism.Family == OrganismFamily.Staphylococcus
                    ? Pick(random, (SpecimenKind.Pus, 0.4), (SpecimenKind.Blood, 0.25), (SpecimenKind.NasalScreening, 0.15), (SpecimenKind.Respiratory, 0.2))
                    : Pick(random, (SpecimenKind.Urine, 0.55), (SpecimenKind.Blood, 0.2), (SpecimenKind.Pus, 0.15), (SpecimenKind.Respiratory, 0.1));
                break;
        }

        var antibiogram = organism is null ? [] : Antibiogram(organism, label, carbapenemase, alsoBlse, specimen, random);
        var preliminary = organism is not null && random.Chance(profile.PreliminaryRate);
        var statesConclusion = organism is null || (!preliminary && random.Chance(profile.ConclusionRate));
        var distractor = random.Chance(profile.HardCaseRate) ? Distractor(label, organism, random) : null;
        return new Draft(
            label,
            organism,
            specimen,
            carbapenemase,
            alsoBlse,
            antibiogram,
            random.Next(s_services.Length),
            statesConclusion,
            preliminary,
            distractor,
            random.Between(1, 28),
            random.Between(1, 12),
            random.Between(100000, 999999));
    }

    /// <summary>A true sentence that names a resistance the current isolate does not have.</summary>
    private static string Distractor(string label, Organism? organism, DeterministicRandom random) => label switch
    {
        AmrLabels.Blse => random.Pick([
            "Absence de carbapénémase (test immunochromatographique négatif).",
            "Dépistage BHRe négatif.",
            "Antécédent de SARM en 2022.",
            "Pas de SARM isolé sur le dépistage nasal.",
            "Patient contact d'un cas d'EPC, dépistage de contrôle prescrit.",
        ]),
        AmrLabels.Sarm => random.Pick([
            "Absence de BLSE sur l'écouvillon rectal du même jour.",
            "Antécédent d'entérobactérie productrice de carbapénémase (EPC) en 2021.",
            "Dépistage BHRe négatif.",
            "Pas d'entérobactérie productrice de BLSE associée.",
        ]),
        AmrLabels.Epc => random.Pick([
            "Antécédent de SARM.",
            "Absence de SARM au dépistage nasal.",
            "Patient transféré d'un hôpital étranger.",
        ]),
        _ when organism is null => random.Pick([
            "Patient contact d'un cas d'EPC.",
            "Antécédent de portage d'E. coli BLSE en 2023.",
            "Patient connu porteur de SARM.",
        ]),
        _ when organism.Family == OrganismFamily.Staphylococcus => random.Pick([
            "Absence de résistance à la méticilline (PBP2a négative).",
            "Patient connu porteur de SARM : souche actuelle sensible à la méticilline.",
            "Recherche de SARM négative.",
        ]),
        _ => random.Pick([
            "Absence de BLSE (test de synergie négatif).",
            "Recherche de carbapénémase négative.",
            "Antécédent de portage d'E. coli BLSE en 2023, non retrouvé ce jour.",
            "Dépistage BHRe négatif.",
            "Absence de BMR.",
        ]),
    };

    private static string RenderStructured(Draft d, DeterministicRandom random)
    {
        var text = new StringBuilder();
        text.Append("CHU DE VALMONT - PÔLE DE BIOLOGIE ET PATHOLOGIE\n");
        text.Append("Laboratoire de bactériologie-hygiène\n");
        text.Append(Inv($"N° de demande : V25{d.RequestNumber}    Service demandeur : {s_services[d.Service]}\n"));
        text.Append(Inv($"Prélevé le {d.Day:D2}/{d.Month:D2}/2025    Validé le {Math.Min(d.Day + 2, 28):D2}/{d.Month:D2}/2025\n"));
        text.Append("NATURE DU PRÉLÈVEMENT : ").Append(SpecimenName(d.Specimen, ReportStyle.Structured)).Append('\n');
        text.Append("RENSEIGNEMENTS CLINIQUES : ").Append(Clinical(d.Specimen, random)).Append('\n');

        if (d.Organism is null)
        {
            text.Append("CULTURE : ").Append(NegativeScreening(d.Specimen)).Append('\n');
            AppendIf(text, "REMARQUE : ", d.Distractor);
            text.Append("CONCLUSION : ").Append(NegativeScreeningConclusion(d.Specimen, ReportStyle.Structured)).Append('\n');
            text.Append("Compte rendu validé par le biologiste responsable.\n");
            return text.ToString();
        }

        if (d.Specimen is not (SpecimenKind.RectalScreening or SpecimenKind.NasalScreening))
        {
            text.Append("EXAMEN DIRECT : ").Append(d.Organism.GramStain).Append(".\n");
        }

        text.Append("CULTURE : ").Append(d.Organism.Name).Append(' ').Append(Quantity(d.Specimen, random)).Append('\n');
        text.Append("IDENTIFICATION : spectrométrie de masse (MALDI-TOF).\n");
        if (d.StatesConclusion && d.Label != AmrLabels.Sensible && random.Chance(0.7))
        {
            text.Append("MÉCANISME DE RÉSISTANCE : ").Append(Mechanism(d, ReportStyle.Structured, random)).Append('\n');
        }

        if (d.Preliminary)
        {
            text.Append("ANTIBIOGRAMME : en cours.\n");
        }
        else
        {
            text.Append("ANTIBIOGRAMME (CA-SFM / EUCAST 2025) :\n");
            foreach (var result in d.Antibiogram)
            {
                text.Append("  ").Append(result.Antibiotic.Name.PadRight(34)).Append(result.Result).Append('\n');
            }
        }

        AppendIf(text, "REMARQUE : ", d.Distractor);
        if (d.StatesConclusion)
        {
            text.Append("CONCLUSION : ").Append(Conclusion(d, ReportStyle.Structured, random)).Append('\n');
            if (Hygiene(d.Label, ReportStyle.Structured, random) is { } hygiene)
            {
                text.Append("HYGIÈNE : ").Append(hygiene).Append('\n');
            }
        }

        text.Append(d.Preliminary ? "Compte rendu provisoire, résultat définitif à suivre.\n" : "Compte rendu validé par le biologiste responsable.\n");
        return text.ToString();
    }

    private static string RenderNarrative(Draft d, DeterministicRandom random)
    {
        var text = new StringBuilder();
        text.Append("Centre hospitalier de Saint-Aubin - Laboratoire de biologie médicale\n");
        text.Append(Inv($"Dossier SA-{d.RequestNumber} - {s_services[d.Service]}\n"));
        text.Append("Prélèvement : ").Append(SpecimenName(d.Specimen, ReportStyle.Narrative))
            .Append(Inv($" du {d.Day:D2}/{d.Month:D2}/2025\n"));
        if (random.Chance(0.5))
        {
            text.Append("Renseignements : ").Append(Clinical(d.Specimen, random)).Append('\n');
        }

        var comment = new List<string>();
        if (d.Organism is null)
        {
            text.Append("Culture : ").Append(NegativeScreening(d.Specimen)).Append('\n');
            AddIf(comment, d.Distractor);
            comment.Add(NegativeScreeningConclusion(d.Specimen, ReportStyle.Narrative));
        }
        else
        {
            if (d.Specimen == SpecimenKind.Urine)
            {
                text.Append(Inv($"Leucocytes : {random.Between(10, 400)} /mm3 ; hématies : {random.Between(1, 80)} /mm3\n"));
            }
            else if (d.Specimen is not (SpecimenKind.RectalScreening or SpecimenKind.NasalScreening))
            {
                text.Append("Examen direct : ").Append(d.Organism.GramStain.ToLowerInvariant()).Append('\n');
            }

            text.Append("Culture : ").Append(d.Organism.Name).Append(' ').Append(Quantity(d.Specimen, random)).Append('\n');
            if (d.Preliminary)
            {
                text.Append("Antibiogramme : à suivre.\n");
            }
            else
            {
                text.Append("Antibiogramme :\n");
                foreach (var result in d.Antibiogram)
                {
                    text.Append(result.Antibiotic.Name).Append(" : ").Append(result.Result).Append('\n');
                }
            }

            if (d.StatesConclusion)
            {
                if (d.Label != AmrLabels.Sensible && random.Chance(0.5))
                {
                    comment.Add(Mechanism(d, ReportStyle.Narrative, random));
                }

                comment.Add(Conclusion(d, ReportStyle.Narrative, random));
            }

            AddIf(comment, d.Distractor);
            if (d.StatesConclusion)
            {
                AddIf(comment, Hygiene(d.Label, ReportStyle.Narrative, random));
            }
        }

        if (d.Preliminary)
        {
            comment.Add("Compte rendu provisoire.");
        }

        if (comment.Count > 0)
        {
            text.Append("Commentaire : ").Append(string.Join(' ', comment)).Append('\n');
        }

        return text.ToString();
    }

    private static string RenderTerse(Draft d, DeterministicRandom random)
    {
        var text = new StringBuilder();
        text.Append("hôp. kerbrac / bactério\n");
        text.Append(SpecimenName(d.Specimen, ReportStyle.Terse)).Append(" - ").Append(s_servicesShort[d.Service])
            .Append(Inv($" - {d.Day:D2}/{d.Month:D2}\n"));
        if (d.Organism is null)
        {
            text.Append(NegativeScreeningConclusion(d.Specimen, ReportStyle.Terse)).Append('\n');
            AppendIf(text, "nb : ", d.Distractor?.ToLowerInvariant());
            return text.ToString();
        }

        text.Append(d.Organism.Short).Append(' ').Append(QuantityShort(d.Specimen, random)).Append('\n');
        if (d.Preliminary)
        {
            text.Append("atb en cours\n");
        }
        else
        {
            text.Append("atb : ").AppendJoin(", ", d.Antibiogram.Select(r => r.Antibiotic.Abbreviation + " " + r.Result)).Append('\n');
        }

        if (d.StatesConclusion)
        {
            var conclusion = Conclusion(d, ReportStyle.Terse, random);
            if (d.Label != AmrLabels.Sensible && random.Chance(0.3))
            {
                conclusion = Mechanism(d, ReportStyle.Terse, random) + " ; " + conclusion;
            }

            if (Hygiene(d.Label, ReportStyle.Terse, random) is { } hygiene)
            {
                conclusion += " ; " + hygiene;
            }

            text.Append("ccl : ").Append(conclusion).Append('\n');
        }

        AppendIf(text, "nb : ", d.Distractor?.ToLowerInvariant());
        return text.ToString();
    }

    private static T Pick<T>(DeterministicRandom random, params (T Item, double Weight)[] choices) =>
        choices[random.PickWeighted(choices.Select(c => c.Weight).ToArray())].Item;

    private static void AppendIf(StringBuilder text, string prefix, string? line)
    {
        if (line is not null)
        {
            text.Append(prefix).Append(line).Append('\n');
        }
    }

    private static void AddIf(List<string> items, string? item)
    {
        if (item is not null)
        {
            items.Add(item);
        }
    }
}
