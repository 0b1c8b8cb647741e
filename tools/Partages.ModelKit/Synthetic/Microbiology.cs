namespace Partages.ModelKit.Synthetic;

internal enum OrganismFamily
{
    Enterobacterale,
    Staphylococcus,
    Enterococcus,
    Pseudomonas,
    Streptococcus,
}

internal enum SpecimenKind
{
    Urine,
    Blood,
    Pus,
    Respiratory,
    RectalScreening,
    NasalScreening,
}

internal sealed record Organism(string Name, string Short, OrganismFamily Family)
{
    public string GramStain => Family switch
    {
        OrganismFamily.Staphylococcus => "Cocci à Gram positif en amas",
        OrganismFamily.Enterococcus or OrganismFamily.Streptococcus => "Cocci à Gram positif en chaînettes",
        _ => "Bacilles à Gram négatif",
    };
}

internal sealed record Antibiotic(string Name, string Abbreviation);

internal sealed record SusceptibilityResult(Antibiotic Antibiotic, char Result);

/// <summary>Organisms, antibiotics and the resistance phenotypes a French laboratory would report (CA-SFM style).</summary>
internal static class Microbiology
{
    public static readonly Organism EColi = new("Escherichia coli", "E. coli", OrganismFamily.Enterobacterale);
    public static readonly Organism KPneumoniae = new("Klebsiella pneumoniae", "K. pneumoniae", OrganismFamily.Enterobacterale);
    public static readonly Organism ECloacae = new("Enterobacter cloacae complex", "E. cloacae", OrganismFamily.Enterobacterale);
    public static readonly Organism PMirabilis = new("Proteus mirabilis", "P. mirabilis", OrganismFamily.Enterobacterale);
    public static readonly Organism CFreundii = new("Citrobacter freundii", "C. freundii", OrganismFamily.Enterobacterale);
    public static readonly Organism SAureus = new("Staphylococcus aureus", "S. aureus", OrganismFamily.Staphylococcus);
    public static readonly Organism EFaecalis = new("Enterococcus faecalis", "E. faecalis", OrganismFamily.Enterococcus);
    public static readonly Organism PAeruginosa = new("Pseudomonas aeruginosa", "P. aeruginosa", OrganismFamily.Pseudomonas);
    public static readonly Organism SAgalactiae = new("Streptococcus agalactiae", "S. agalactiae", OrganismFamily.Streptococcus);

    public static readonly Antibiotic Amoxicillin = new("Amoxicilline", "AMX");
    public static readonly Antibiotic AmoxClav = new("Amoxicilline-acide clavulanique", "AMC");
    public static readonly Antibiotic PipTazo = new("Pipéracilline-tazobactam", "TZP");
    public static readonly Antibiotic Ticarcillin = new("Ticarcilline", "TIC");
    public static readonly Antibiotic Cefoxitin = new("Céfoxitine", "FOX");
    public static readonly Antibiotic Cefotaxime = new("Céfotaxime", "CTX");
    public static readonly Antibiotic Ceftazidime = new("Ceftazidime", "CAZ");
    public static readonly Antibiotic Cefepime = new("Céfépime", "FEP");
    public static readonly Antibiotic CeftazAvibactam = new("Ceftazidime-avibactam", "CZA");
    public static readonly Antibiotic Ertapenem = new("Ertapénème", "ETP");
    public static readonly Antibiotic Imipenem = new("Imipénème", "IPM");
    public static readonly Antibiotic Meropenem = new("Méropénème", "MEM");
    public static readonly Antibiotic Temocillin = new("Témocilline", "TEM");
    public static readonly Antibiotic Gentamicin = new("Gentamicine", "GEN");
    public static readonly Antibiotic Amikacin = new("Amikacine", "AMK");
    public static readonly Antibiotic Tobramycin = new("Tobramycine", "TOB");
    public static readonly Antibiotic Ciprofloxacin = new("Ciprofloxacine", "CIP");
    public static readonly Antibiotic Levofloxacin = new("Lévofloxacine", "LVX");
    public static readonly Antibiotic Cotrimoxazole = new("Triméthoprime-sulfaméthoxazole", "SXT");
    public static readonly Antibiotic Fosfomycin = new("Fosfomycine", "FOS");
    public static readonly Antibiotic Nitrofurantoin = new("Nitrofurantoïne", "FUR");
    public static readonly Antibiotic Colistin = new("Colistine", "COL");
    public static readonly Antibiotic PenicillinG = new("Pénicilline G", "PEN");
    public static readonly Antibiotic Oxacillin = new("Oxacilline", "OXA");
    public static readonly Antibiotic Erythromycin = new("Érythromycine", "ERY");
    public static readonly Antibiotic Clindamycin = new("Clindamycine", "CLI");
    public static readonly Antibiotic Rifampicin = new("Rifampicine", "RIF");
    public static readonly Antibiotic FusidicAcid = new("Acide fusidique", "FUS");
    public static readonly Antibiotic Vancomycin = new("Vancomycine", "VAN");
    public static readonly Antibiotic Teicoplanin = new("Téicoplanine", "TEC");
    public static readonly Antibiotic Linezolid = new("Linézolide", "LNZ");
    public static readonly Antibiotic Daptomycin = new("Daptomycine", "DAP");

    public static IReadOnlyList<string> Carbapenemases { get; } = ["OXA-48", "KPC", "NDM", "VIM"];

    public static IReadOnlyList<double> CarbapenemaseWeights { get; } = [0.55, 0.15, 0.20, 0.10];

    /// <summary>
    /// The antibiogram of one isolate. <paramref name="label"/> decides the acquired resistance; the
    /// rest (natural resistances, associated resistances) is drawn so that no single line gives it away.
    /// </summary>
    public static List<SusceptibilityResult> Antibiogram(
        Organism organism,
        string label,
        string? carbapenemase,
        bool alsoBlse,
        SpecimenKind specimen,
        DeterministicRandom random)
    {
        var results = new List<SusceptibilityResult>();
        void Add(Antibiotic antibiotic, char result) => results.Add(new SusceptibilityResult(antibiotic, result));
        char Sr(double resistantProbability) => random.Chance(resistantProbability) ? 'R' : 'S';
        char Sir(double intermediate, double resistant)
        {
            var x = random.NextDouble();
            return x < resistant ? 'R' : x < resistant + intermediate ? 'I' : 'S';
        }

        switch (organism.Family)
        {
            case OrganismFamily.Enterobacterale:
                var naturalAmx = organism == KPneumoniae || organism == ECloacae || organism == CFreundii;
                var naturalAmc = organism == ECloacae || organism == CFreundii;
                var blse = label == AmrLabels.Blse || (label == AmrLabels.Epc && alsoBlse);
                var epc = label == AmrLabels.Epc;
                var metallo = carbapenemase is "NDM" or "VIM";
                var penicillinase = !blse && !epc && random.Chance(0.35);

                Add(Amoxicillin, naturalAmx || blse || epc || penicillinase ? 'R' : 'S');
                Add(AmoxClav, naturalAmc || epc ? 'R' : blse ? Sir(0.35, 0.35) : penicillinase ? Sir(0.3, 0.1) : 'S');
                Add(PipTazo, epc ? 'R' : blse ? Sir(0.2, 0.2) : 'S');
                if (random.Chance(0.5) || organism == ECloacae)
                {
                    Add(Cefoxitin, naturalAmc ? 'R' : epc && metallo ? 'R' : Sr(0.05));
                }

                var c3g = blse || (epc && carbapenemase != "OXA-48");
                Add(Cefotaxime, c3g ? 'R' : 'S');
                Add(Ceftazidime, c3g ? Sir(0.2, 0.8) : 'S');
                Add(Cefepime, c3g ? Sir(0.35, 0.55) : 'S');
                // Second-line molecules are tested more often when a carbapenemase is suspected, but
                // not only then: their mere presence must not give the label away.
                if (random.Chance(epc ? 0.7 : 0.35))
                {
                    Add(CeftazAvibactam, metallo ? 'R' : 'S');
                }

                Add(Ertapenem, epc ? Sir(0.2, 0.8) : blse ? Sr(0.04) : 'S');
                if (epc && carbapenemase == "OXA-48")
                {
                    Add(Meropenem, Sir(0.4, 0.2));
                }
                else
                {
                    Add(Meropenem, epc ? Sir(0.2, 0.8) : 'S');
                }

                if (random.Chance(0.5))
                {
                    Add(Imipenem, epc ? Sir(0.35, 0.55) : 'S');
                }

                if (random.Chance(epc ? 0.7 : 0.35))
                {
                    Add(Temocillin, epc && (carbapenemase == "OXA-48" || metallo) ? 'R' : Sr(0.05));
                }

                Add(Gentamicin, Sr(blse || epc ? 0.35 : 0.07));
                Add(Amikacin, epc ? Sir(0.1, 0.1) : 'S');
                Add(Ciprofloxacin, Sr(blse || epc ? 0.7 : 0.15));
                Add(Cotrimoxazole, Sr(blse || epc ? 0.6 : 0.25));
                if (specimen == SpecimenKind.Urine)
                {
                    Add(Fosfomycin, Sr(0.04));
                    Add(Nitrofurantoin, organism == PMirabilis ? 'R' : 'S');
                }

                if (random.Chance(epc ? 0.6 : 0.2))
                {
                    Add(Colistin, Sr(0.05));
                }

                break;

            case OrganismFamily.Staphylococcus:
                var mrsa = label == AmrLabels.Sarm;
                Add(PenicillinG, mrsa ? 'R' : Sr(0.8));
                Add(Oxacillin, mrsa ? 'R' : 'S');
                Add(Cefoxitin, mrsa ? 'R' : 'S');
                Add(Gentamicin, Sr(0.08));
                Add(Erythromycin, Sr(0.35));
                Add(Clindamycin, Sr(0.2));
                Add(Levofloxacin, Sr(mrsa ? 0.6 : 0.2));
                Add(Cotrimoxazole, Sr(0.03));
                Add(Rifampicin, Sr(0.03));
                Add(FusidicAcid, Sr(0.2));
                Add(Vancomycin, 'S');
                Add(Teicoplanin, 'S');
                Add(Linezolid, 'S');
                if (random.Chance(0.5))
                {
                    Add(Daptomycin, 'S');
                }

                break;

            case OrganismFamily.Enterococcus:
                Add(Amoxicillin, 'S');
                Add(Gentamicin, 'S');
                Add(Vancomycin, 'S');
                Add(Teicoplanin, 'S');
                Add(Linezolid, 'S');
                if (specimen == SpecimenKind.Urine)
                {
                    Add(Nitrofurantoin, 'S');
                }

                break;

            case OrganismFamily.Pseudomonas:
                Add(Ticarcillin, Sr(0.15));
                Add(PipTazo, Sr(0.1));
                Add(Ceftazidime, Sr(0.08));
                Add(Cefepime, Sr(0.08));
                Add(Imipenem, Sr(0.12));
                Add(Meropenem, Sr(0.06));
                Add(Amikacin, 'S');
                Add(Tobramycin, Sr(0.05));
                Add(Ciprofloxacin, Sr(0.2));
                break;

            case OrganismFamily.Streptococcus:
                Add(Amoxicillin, 'S');
                Add(Erythromycin, Sr(0.3));
                Add(Clindamycin, Sr(0.3));
                Add(Levofloxacin, 'S');
                Add(Vancomycin, 'S');
                break;
        }

        return results;
    }
}
