using static Partages.ModelKit.Synthetic.Microbiology;

namespace Partages.ModelKit.Synthetic;

/// <summary>
/// The words of the AMR reports <see cref="AmrReportGenerator"/> renders: for each part of a report (specimen,
/// clinical context, quantity, mechanism, conclusion, hygiene advice), what each <see cref="ReportStyle"/> says, in the
/// vocabulary and abbreviations French microbiology reports use. Kept apart from the drawing and the layout, which
/// decide what a report contains and where it goes.
/// </summary>
internal static class AmrPhrases
{
    internal static string SpecimenName(SpecimenKind specimen, ReportStyle style) => (specimen, style) switch
    {
        (SpecimenKind.Urine, ReportStyle.Structured) => "Examen cytobactériologique des urines (ECBU), milieu de jet",
        (SpecimenKind.Urine, _) => "ECBU",
        (SpecimenKind.Blood, ReportStyle.Structured) => "Hémocultures (flacons aérobie et anaérobie)",
        (SpecimenKind.Blood, ReportStyle.Narrative) => "Hémoculture",
        (SpecimenKind.Blood, _) => "HC",
        (SpecimenKind.Pus, ReportStyle.Structured) => "Pus de plaie opératoire",
        (SpecimenKind.Pus, ReportStyle.Narrative) => "Pus (plaie)",
        (SpecimenKind.Pus, _) => "pus",
        (SpecimenKind.Respiratory, ReportStyle.Structured) => "Aspiration trachéale (prélèvement distal protégé)",
        (SpecimenKind.Respiratory, ReportStyle.Narrative) => "Aspiration bronchique",
        (SpecimenKind.Respiratory, _) => "asp. trach.",
        (SpecimenKind.RectalScreening, ReportStyle.Structured) => "Écouvillon rectal - dépistage BMR/BHRe",
        (SpecimenKind.RectalScreening, ReportStyle.Narrative) => "Écouvillon rectal (dépistage)",
        (SpecimenKind.RectalScreening, _) => "écouv. rectal dépistage",
        (SpecimenKind.NasalScreening, ReportStyle.Structured) => "Écouvillon nasal - dépistage SARM",
        (SpecimenKind.NasalScreening, ReportStyle.Narrative) => "Écouvillon nasal (dépistage)",
        _ => "écouv. nasal",
    };

    internal static string Clinical(SpecimenKind specimen, DeterministicRandom random) => specimen switch
    {
        SpecimenKind.Urine => random.Pick(["brûlures mictionnelles et fièvre", "pyélonéphrite aiguë", "sonde urinaire à demeure, urines troubles", "contrôle après traitement"]),
        SpecimenKind.Blood => random.Pick([Inv($"fièvre à {random.Between(38, 40)},{random.Next(10)} °C avec frissons"), "sepsis, suspicion d'infection sur cathéter", "choc septique d'origine urinaire probable", "neutropénie fébrile"]),
        SpecimenKind.Pus => random.Pick(["infection du site opératoire", "abcès de la cuisse", "ulcère du pied diabétique", "arthrite septique sur prothèse"]),
        SpecimenKind.Respiratory => random.Pick(["pneumopathie acquise sous ventilation mécanique", "fièvre et sécrétions purulentes", "pneumopathie d'inhalation"]),
        SpecimenKind.RectalScreening => random.Pick(["dépistage systématique à l'admission", "patient rapatrié d'un hôpital étranger", "dépistage hebdomadaire en réanimation", "hospitalisation à l'étranger dans l'année"]),
        _ => random.Pick(["dépistage pré-opératoire", "dépistage à l'admission en réanimation", "dépistage avant chirurgie cardiaque"]),
    };

    internal static string Quantity(SpecimenKind specimen, DeterministicRandom random) => specimen switch
    {
        SpecimenKind.Urine => random.Pick(["10^5 UFC/mL", "> 10^6 UFC/mL", "10^4 UFC/mL"]),
        SpecimenKind.Blood => Inv($"({random.Between(1, 2)}/2 flacons, délai de positivité {random.Between(8, 30)} h)"),
        SpecimenKind.Pus => random.Pick(["(culture abondante)", "(quelques colonies)", "(culture pure)"]),
        SpecimenKind.Respiratory => random.Pick(["10^6 UFC/mL", "10^7 UFC/mL"]),
        _ => "(milieu sélectif)",
    };

    internal static string QuantityShort(SpecimenKind specimen, DeterministicRandom random) => specimen switch
    {
        SpecimenKind.Urine => random.Pick([">10^5", "10^6", "10^4"]),
        SpecimenKind.Blood => Inv($"{random.Between(1, 2)}/2 flacons"),
        SpecimenKind.Respiratory => "10^6",
        _ => "+",
    };

    internal static string NegativeScreening(SpecimenKind specimen) => specimen == SpecimenKind.NasalScreening
        ? "flore commensale, absence de Staphylococcus aureus résistant à la méticilline."
        : "flore digestive commensale sur milieux sélectifs.";

    internal static string NegativeScreeningConclusion(SpecimenKind specimen, ReportStyle style) => (specimen, style) switch
    {
        (SpecimenKind.NasalScreening, ReportStyle.Terse) => "dépistage SARM négatif",
        (SpecimenKind.NasalScreening, _) => "Dépistage SARM négatif.",
        (_, ReportStyle.Terse) => "absence de BMR / BHRe",
        (_, ReportStyle.Structured) => "Absence de BMR (pas d'entérobactérie BLSE) et absence de BHRe (pas d'EPC).",
        _ => "Dépistage négatif : absence de BMR et de BHRe.",
    };

    internal static string Mechanism(AmrReportGenerator.Draft d, ReportStyle style, DeterministicRandom random)
    {
        var carbapenemase = d.Carbapenemase ?? "OXA-48";
        return (d.Label, style) switch
        {
            (AmrLabels.Blse, ReportStyle.Terse) => "synergie +",
            (AmrLabels.Blse, _) => random.Pick(["test de synergie positif (image en bouchon de champagne).", "test de synergie céfotaxime / acide clavulanique positif."]),
            (AmrLabels.Sarm, ReportStyle.Terse) => "mecA +",
            (AmrLabels.Sarm, _) => random.Pick(["PCR mecA positive.", "détection de la PBP2a positive.", "résistance à la céfoxitine (dépistage de la résistance à la méticilline)."]),
            (_, ReportStyle.Terse) => "carba5 : " + carbapenemase + " +",
            _ => random.Pick([
                "test immunochromatographique : carbapénémase " + carbapenemase + " détectée.",
                "PCR carbapénémases : gène bla" + carbapenemase + " détecté.",
                "test Carba NP positif, type " + carbapenemase + ".",
            ]),
        };
    }

    internal static string Conclusion(AmrReportGenerator.Draft d, ReportStyle style, DeterministicRandom random)
    {
        var organism = d.Organism!;
        var carbapenemase = d.Carbapenemase ?? "OXA-48";
        var conclusion = (d.Label, style) switch
        {
            (AmrLabels.Blse, ReportStyle.Structured) => random.Pick([
                organism.Name + " productrice de bêta-lactamase à spectre étendu (BLSE).",
                "Entérobactérie productrice de BLSE (EBLSE), bactérie multirésistante (BMR).",
                "Phénotype de résistance : BLSE."]),
            (AmrLabels.Blse, ReportStyle.Narrative) => random.Pick([
                "Souche productrice de BLSE.", "Présence d'une bêta-lactamase à spectre étendu.", organism.Short + " BLSE : BMR."]),
            (AmrLabels.Blse, _) => random.Pick([organism.Short.ToLowerInvariant() + " blse+", "BLSE", "eblse -> BMR"]),

            (AmrLabels.Sarm, ReportStyle.Structured) => random.Pick([
                "Staphylococcus aureus résistant à la méticilline (SARM).",
                "SARM (résistance à la méticilline, gène mecA).",
                "Phénotype de résistance : SARM, bactérie multirésistante (BMR)."]),
            (AmrLabels.Sarm, ReportStyle.Narrative) => random.Pick(["Souche résistante à la méticilline (SARM).", "Staphylocoque doré méti-R (SARM)."]),
            (AmrLabels.Sarm, _) => random.Pick(["SARM+", "s. aureus méti-R", "sarm -> BMR"]),

            (AmrLabels.Epc, ReportStyle.Structured) => random.Pick([
                "Entérobactérie productrice de carbapénémase (EPC) de type " + carbapenemase + ".",
                "Carbapénémase de type " + carbapenemase + " confirmée : bactérie hautement résistante émergente (BHRe)."]),
            (AmrLabels.Epc, ReportStyle.Narrative) => random.Pick([
                "Présence d'une carbapénémase " + carbapenemase + " : EPC, BHRe.", "Souche productrice de carbapénémase (" + carbapenemase + ")."]),
            (AmrLabels.Epc, _) => random.Pick(["EPC " + carbapenemase + "+", "carbapénémase " + carbapenemase + " -> BHRe"]),

            (_, ReportStyle.Structured) when organism.Family == OrganismFamily.Staphylococcus =>
                "Staphylococcus aureus sensible à la méticilline (SASM).",
            (_, ReportStyle.Narrative) when organism.Family == OrganismFamily.Staphylococcus => "SASM.",
            (_, _) when organism.Family == OrganismFamily.Staphylococcus => "s. aureus méti-S",
            (_, ReportStyle.Structured) => random.Pick(["Souche de phénotype sauvage.", "Absence de résistance acquise aux bêta-lactamines."]),
            (_, ReportStyle.Narrative) => random.Pick(["Profil de sensibilité habituel.", "Souche sensible.", "Phénotype sauvage."]),
            _ => random.Pick(["sensible", "RAS", "phéno sauvage"]),
        };

        if (d.Label == AmrLabels.Epc && d.AlsoBlse && style != ReportStyle.Terse)
        {
            conclusion += " Souche également productrice de BLSE.";
        }
        else if (d.Label == AmrLabels.Epc && d.AlsoBlse)
        {
            conclusion += " + blse";
        }

        return conclusion;
    }

    internal static string? Hygiene(string label, ReportStyle style, DeterministicRandom random) => (label, style) switch
    {
        (AmrLabels.Blse or AmrLabels.Sarm, ReportStyle.Structured) =>
            "BMR, précautions complémentaires de type contact ; signalement à l'équipe opérationnelle d'hygiène.",
        (AmrLabels.Blse or AmrLabels.Sarm, ReportStyle.Narrative) => "Mettre en place des précautions complémentaires contact (BMR).",
        (AmrLabels.Blse or AmrLabels.Sarm, _) => random.Chance(0.5) ? "précautions contact" : null,
        (AmrLabels.Epc, ReportStyle.Structured) =>
            "BHRe, isolement en chambre individuelle, précautions complémentaires contact, personnel dédié, dépistage des patients contacts ; signalement immédiat à l'EOH.",
        (AmrLabels.Epc, ReportStyle.Narrative) =>
            "BHRe : chambre individuelle, précautions contact renforcées, dépistage hebdomadaire des contacts, signalement à l'équipe d'hygiène.",
        (AmrLabels.Epc, _) => "BHRe -> isolement + dépistage contacts",
        (_, ReportStyle.Structured) => random.Chance(0.5) ? "précautions standard." : null,
        _ => null,
    };

    internal static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
