namespace Partages.ModelKit.Synthetic;

/// <summary>
/// Fictional pathology reports with biomarker results (HER2, EGFR, KRAS, ALK, PD-L1), gold BIOMARKER and
/// STATUS spans for a later NER engine, and a document label (see <see cref="OncologyLabels"/>). Every
/// mention of a biomarker is annotated: the generator only ever writes one through the span builder.
/// </summary>
public static class OncologyReportGenerator
{
    private enum Cancer
    {
        Lung,
        Breast,
        Colon,
        Stomach,
    }

    /// <summary>One tested biomarker: its result phrase, and whether it makes the tumour positive for it.</summary>
    private sealed record Finding(string Biomarker, string Status, bool Positive, string Method);

    public static IReadOnlyList<OncologyReport> Generate(HospitalProfile profile, int count, ulong seed) =>
        HospitalCorpus.Generate(profile, count, seed, corpus: "oncology", idKind: "onco", (random, id) => Generate(profile, random, id));

    private static OncologyReport Generate(HospitalProfile profile, DeterministicRandom random, string id)
    {
        var style = profile.Style ?? (ReportStyle)random.Next(3);
        var cancer = random.Chance(profile.LungShare)
            ? Cancer.Lung
            : (Cancer)(1 + random.PickWeighted([0.5, 0.3, 0.2]));
        var findings = DrawFindings(cancer, style, random);
        var label = Label(findings);
        var (text, entities) = Render(cancer, style, findings, label, random);
        return new OncologyReport(id, text, label, entities);
    }

    private static string Label(IReadOnlyList<Finding> findings)
    {
        var driver = findings.FirstOrDefault(f => f.Positive && f.Biomarker != OncologyLabels.PdL1);
        if (driver is not null)
        {
            return driver.Biomarker;
        }

        return findings.Any(f => f.Positive) ? OncologyLabels.PdL1 : OncologyLabels.Negative;
    }

    private static List<Finding> DrawFindings(Cancer cancer, ReportStyle style, DeterministicRandom random)
    {
        var terse = style == ReportStyle.Terse;
        var findings = new List<Finding>();
        switch (cancer)
        {
            case Cancer.Lung:
                // Driver alterations are mutually exclusive in practice: at most one is drawn positive.
                var driver = random.PickWeighted([0.15, 0.06, 0.25, 0.54]);
                findings.Add(Egfr(driver == 0, terse, random));
                findings.Add(Alk(driver == 1, terse, random));
                if (driver == 2 || random.Chance(0.8))
                {
                    findings.Add(Kras(driver == 2, terse, random));
                }

                if (random.Chance(0.9))
                {
                    findings.Add(PdL1Tps(random));
                }

                break;
            case Cancer.Breast:
                findings.AddRange(Her2(random.PickWeighted([0.3, 0.3, 0.25, 0.15]), terse, random));
                if (random.Chance(0.2))
                {
                    findings.Add(PdL1Cps(random));
                }

                break;
            case Cancer.Colon:
                findings.Add(Kras(random.Chance(0.4), terse, random));
                break;
            default:
                findings.AddRange(Her2(random.PickWeighted([0.45, 0.25, 0.15, 0.15]), terse, random));
                if (random.Chance(0.8))
                {
                    findings.Add(PdL1Cps(random));
                }

                break;
        }

        return findings;
    }

    private static Finding Egfr(bool positive, bool terse, DeterministicRandom random) => positive
        ? new(OncologyLabels.Egfr, terse
            ? random.Pick(["muté (del19)", "muté (L858R)"])
            : random.Pick(["délétion de l'exon 19 détectée", "mutation L858R (exon 21) détectée", "mutation G719X (exon 18) détectée"]), true, "NGS")
        : new(OncologyLabels.Egfr, terse ? random.Pick(["wt", "non muté"]) : random.Pick(["absence de mutation", "non muté", "pas de mutation détectée"]), false, "NGS");

    private static Finding Kras(bool positive, bool terse, DeterministicRandom random)
    {
        if (!positive)
        {
            return new(OncologyLabels.Kras, terse ? "wt" : random.Pick(["statut sauvage", "absence de mutation"]), false, "NGS");
        }

        var variant = random.Pick(["G12C", "G12D", "G12V", "G13D", "Q61H"]);
        return new(OncologyLabels.Kras, terse ? "muté " + variant : "mutation " + variant + " détectée", true, "NGS");
    }

    private static Finding Alk(bool positive, bool terse, DeterministicRandom random) => positive
        ? new(OncologyLabels.Alk, terse ? "positif" : random.Pick(["réarrangement détecté", "positif (confirmé en FISH)"]), true, "IHC D5F3")
        : new(OncologyLabels.Alk, terse ? "nég" : random.Pick(["réarrangement non détecté", "négatif"]), false, "IHC D5F3");

    private static Finding PdL1Tps(DeterministicRandom random)
    {
        var bucket = random.PickWeighted([0.35, 0.35, 0.30]);
        var status = bucket switch
        {
            0 => "TPS < 1 %",
            1 => string.Create(CultureInfo.InvariantCulture, $"TPS {random.Between(1, 49)} %"),
            _ => string.Create(CultureInfo.InvariantCulture, $"TPS {random.Between(50, 95)} %"),
        };
        return new(OncologyLabels.PdL1, status, bucket == 2, "clone 22C3");
    }

    private static Finding PdL1Cps(DeterministicRandom random)
    {
        var cps = random.Chance(0.3) ? random.Between(10, 60) : random.Between(0, 9);
        return new(OncologyLabels.PdL1, string.Create(CultureInfo.InvariantCulture, $"CPS {cps}"), cps >= 10, "clone 22C3");
    }

    /// <summary>HER2 immunohistochemistry, and for an equivocal 2+ the in situ hybridisation that settles it.</summary>
    private static IEnumerable<Finding> Her2(int score, bool terse, DeterministicRandom random)
    {
        var status = score switch
        {
            3 => terse ? "3+" : "score 3+ (positif)",
            2 => terse ? "2+" : "score 2+ (équivoque)",
            1 => terse ? "1+" : "score 1+ (négatif)",
            _ => terse ? "0" : "score 0 (négatif)",
        };
        yield return new(OncologyLabels.Her2, status, score == 3, "IHC");
        if (score == 2)
        {
            var amplified = random.Chance(0.35);
            yield return new(
                OncologyLabels.Her2,
                amplified ? (terse ? "amplifié" : "amplification détectée") : (terse ? "non amplifié" : "absence d'amplification"),
                amplified,
                "HIS");
        }
    }

    private static string Surface(string biomarker, ReportStyle style) => (biomarker, style) switch
    {
        (OncologyLabels.Her2, ReportStyle.Terse) => "HER-2",
        (OncologyLabels.PdL1, ReportStyle.Terse) => "PDL1",
        _ => biomarker,
    };

    private static (string Text, IReadOnlyList<EntitySpan> Entities) Render(
        Cancer cancer, ReportStyle style, List<Finding> findings, string label, DeterministicRandom random)
    {
        var b = new AnnotatedTextBuilder();
        var number = random.Between(100000, 999999);
        var (specimen, organ, diagnosis) = Describe(cancer, random);
        switch (style)
        {
            case ReportStyle.Structured:
                b.Append("CHU DE VALMONT - DÉPARTEMENT DE PATHOLOGIE\n");
                b.Append(string.Create(CultureInfo.InvariantCulture, $"Compte rendu anatomo-cytopathologique n° P25-{number}\n"));
                b.Append("PRÉLÈVEMENT : ").Append(specimen).Append(" (").Append(organ).Append(")\n");
                b.Append("MICROSCOPIE : ").Append(diagnosis).Append(".\n");
                b.Append(string.Create(CultureInfo.InvariantCulture, $"Cellularité tumorale estimée : {random.Between(2, 9) * 10} %\n"));
                b.Append("IMMUNOHISTOCHIMIE ET BIOLOGIE MOLÉCULAIRE :\n");
                foreach (var f in findings)
                {
                    var prefix = f.Method == "HIS" ? "- HIS {B} : {S}" : "- {B} : {S}";
                    b.Template(prefix + " (" + f.Method + ")\n", Surface(f.Biomarker, style), f.Status, Qualify(f, diagnosis));
                }

                b.Append("CONCLUSION : ").Append(Capitalise(diagnosis));
                AppendConclusion(b, findings, label, style, diagnosis);
                b.Append("Compte rendu validé par le pathologiste.\n");
                break;

            case ReportStyle.Narrative:
                b.Append("Centre hospitalier de Saint-Aubin - Service d'anatomie pathologique\n");
                b.Append(string.Create(CultureInfo.InvariantCulture, $"Examen SA-P-{number} : ")).Append(specimen).Append(".\n");
                b.Append("Il s'agit d'un ").Append(diagnosis).Append(".\n");
                for (var i = 0; i < findings.Count; i++)
                {
                    var f = findings[i];
                    var template = (f.Biomarker, f.Method) switch
                    {
                        (OncologyLabels.Her2, "HIS") => "Hybridation in situ {B} : {S}.",
                        (OncologyLabels.Her2, _) => "Statut {B} en immunohistochimie : {S}.",
                        (OncologyLabels.PdL1, _) => "Expression de {B} (" + f.Method + ") : {S}.",
                        (OncologyLabels.Alk, _) => "Recherche de réarrangement {B} (" + f.Method + ") : {S}.",
                        _ => "Recherche de mutation {B} (" + f.Method + ") : {S}.",
                    };
                    b.Template((i > 0 ? " " : string.Empty) + template, Surface(f.Biomarker, style), f.Status, Qualify(f, diagnosis));
                }

                b.Append("\nConclusion : ").Append(diagnosis);
                AppendConclusion(b, findings, label, style, diagnosis);
                break;

            default:
                b.Append("kerbrac anapath - ").Append(organ).Append("\n");
                b.Append(diagnosis).Append("\n");
                b.Append("marqueurs : ");
                for (var i = 0; i < findings.Count; i++)
                {
                    var f = findings[i];
                    b.Template((i > 0 ? " / " : string.Empty) + (f.Method == "HIS" ? "HIS {B} {S}" : "{B} {S}"), Surface(f.Biomarker, style), f.Status, Qualify(f, diagnosis));
                }

                b.Append("\nccl :");
                AppendConclusion(b, findings, label, style, diagnosis);
                break;
        }

        return b.Build();
    }

    /// <summary>Restates the result that decides the label: the positive finding again, as a pathologist does.</summary>
    private static void AppendConclusion(AnnotatedTextBuilder b, List<Finding> findings, string label, ReportStyle style, string diagnosis)
    {
        var decisive = label == OncologyLabels.Negative
            ? null
            : findings.Last(f => f.Positive && f.Biomarker == label);
        if (decisive is null)
        {
            b.Append(style == ReportStyle.Terse ? " pas de cible\n" : ", sans altération ciblable identifiée.\n");
            return;
        }

        var surface = Surface(decisive.Biomarker, style);
        var template = style switch
        {
            ReportStyle.Terse => " {B} {S}\n",
            _ when decisive.Biomarker == OncologyLabels.PdL1 => ", avec forte expression de {B} ({S}).\n",
            _ => ", {B} : {S}.\n",
        };
        b.Template(template, surface, decisive.Status, Qualify(decisive, diagnosis));
    }

    private static (string Specimen, string Organ, string Diagnosis) Describe(Cancer cancer, DeterministicRandom random) => cancer switch
    {
        Cancer.Lung => (
            random.Pick(["biopsie bronchique", "biopsie transthoracique", "ponction ganglionnaire sous écho-endoscopie"]),
            "poumon",
            random.Pick(["adénocarcinome pulmonaire infiltrant d'architecture acineuse", "carcinome non à petites cellules de type adénocarcinome", "adénocarcinome pulmonaire peu différencié"])),
        Cancer.Breast => (
            "biopsie mammaire sous échographie",
            "sein",
            random.Pick(["carcinome infiltrant de type non spécifique, grade II", "carcinome infiltrant de type non spécifique, grade III", "carcinome lobulaire infiltrant"])),
        Cancer.Colon => (
            random.Pick(["pièce de colectomie droite", "biopsie colique", "pièce de résection rectale"]),
            "côlon",
            random.Pick(["adénocarcinome lieberkühnien moyennement différencié", "adénocarcinome colique bien différencié"])),
        _ => (
            "biopsies gastriques perendoscopiques",
            "estomac",
            random.Pick(["adénocarcinome gastrique de type intestinal", "adénocarcinome gastrique peu cohésif"])),
    };

    /// <summary>
    /// What the finding's mentions carry, read off the text already drawn (no random draw, so the texts stay as they
    /// were): its STATUS is negated when the phrase states an absence, hypothetical when the result is equivocal
    /// (HER2 2+, settled only by in situ hybridisation); its BIOMARKER is coded with the tumour's ICD-O-3 morphology.
    /// </summary>
    private static MentionQualifiers Qualify(Finding finding, string diagnosis) => new(
        OncologyCodes.IsNegated(finding.Status),
        finding.Status is "2+" || finding.Status.Contains("équivoque", StringComparison.Ordinal),
        OncologyCodes.Morphology(diagnosis));

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
