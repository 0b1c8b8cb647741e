using System.Text;
using Partages.ModelKit.Determinism;

namespace Partages.Benchmarks.Engine.Corpus;

/// <summary>Word counts of a written corpus, to check the 200–400 words the benchmark promises.</summary>
internal sealed record CorpusStatistics(long Documents, long Resistant, int MinWords, int MaxWords, double MeanWords, double MeanCharacters);

/// <summary>
/// Fictional French microbiology reports of 200 to 400 words for the engine benchmark. Each is one of the model kit's
/// AMR reports (every style mixed, as in its training corpus) followed by the sections a full laboratory report adds
/// (clinical information sent with the sample, the biologist's comment, pre-analytical and validation notes) until a
/// word count drawn uniformly in [200, 380] is reached; the last sentence may pass it by at most 20 words. Labels are
/// binary: <see cref="Sensible"/>, or <see cref="Resistant"/> for BLSE, SARM and EPC.
/// Generated in blocks of <see cref="BlockSize"/> and appended to the file as they come, so a corpus of any size costs
/// one block of memory; every block has its own named random streams, so the same seed gives the same bytes.
/// The model kit's generators are used as they are: the demo's data does not change.
/// </summary>
internal static class LongReportCorpus
{
    public const string Sensible = "sensible";
    public const string Resistant = "resistant";
    public const int BlockSize = 250;
    public const int MinWords = 200;
    public const int MaxWords = 400;

    /// <summary>In the order of the head's logits.</summary>
    public static IReadOnlyList<string> Labels { get; } = [Sensible, Resistant];

    private static readonly string[] s_services =
    [
        "réanimation médicale", "urologie", "médecine interne", "gériatrie", "chirurgie digestive", "maladies infectieuses",
        "néphrologie", "hématologie", "soins de suite et de réadaptation", "chirurgie orthopédique", "pneumologie", "cardiologie",
    ];

    private static readonly string[] s_antibiotics =
        ["amoxicilline-acide clavulanique", "ceftriaxone", "pipéracilline-tazobactam", "céfotaxime", "ofloxacine", "vancomycine", "méropénème"];

    private static readonly Func<DeterministicRandom, string>[] s_clinical =
    [
        r => Inv($"Patient âgé de {r.Between(19, 94)} ans, hospitalisé en {r.Pick(s_services)} depuis {r.Between(1, 30)} jours."),
        r => Inv($"Fièvre à {38 + (r.Next(20) / 10.0):0.0} °C depuis {r.Between(1, 6)} jours, avec frissons lors des mobilisations."),
        r => Inv($"CRP à {r.Between(12, 320)} mg/L et leucocytes à {r.Between(4, 28)} G/L au bilan d'entrée."),
        r => Inv($"Antibiothérapie probabiliste par {r.Pick(s_antibiotics)} débutée {r.Between(1, 4)} jours avant le prélèvement."),
        r => Inv($"Porteur d'une sonde urinaire à demeure depuis {r.Between(2, 12)} semaines, changée lors de l'admission."),
        _ => "Diabète de type 2 sous insuline, insuffisance rénale chronique modérée, hypertension artérielle traitée.",
        r => Inv($"Hospitalisation antérieure en {r.Pick(s_services)} il y a {r.Between(2, 18)} mois, sans complication infectieuse notée."),
        r => r.Chance(0.3) ? "Séjour récent hors d'Europe signalé par l'équipe soignante." : "Pas de séjour hors de France métropolitaine dans l'année.",
        _ => "Altération de l'état général, confusion d'apparition récente, douleurs lombaires à la palpation.",
        r => Inv($"Cathéter veineux central posé il y a {r.Between(3, 21)} jours, point de ponction inflammatoire."),
        _ => "Plaie opératoire suintante à l'examen, sans collection palpable, pansement refait quotidiennement.",
        _ => "Toux productive, expectorations purulentes, foyer radiologique de la base droite.",
        r => Inv($"Pression artérielle à {r.Between(85, 150)}/{r.Between(45, 90)} mmHg, fréquence cardiaque à {r.Between(70, 130)} par minute."),
        _ => "Allergie déclarée aux pénicillines (éruption cutanée ancienne), à confirmer par l'équipe prescriptrice.",
    ];

    private static readonly Func<DeterministicRandom, string>[] s_comments =
    [
        _ => "Résultats à interpréter en fonction du contexte clinique et des prélèvements antérieurs.",
        _ => "Antibiogramme interprété selon les recommandations du comité de l'antibiogramme en vigueur.",
        _ => "La réévaluation de l'antibiothérapie probabiliste à quarante-huit ou soixante-douze heures est recommandée.",
        r => Inv($"Prélèvement acheminé au laboratoire en {r.Between(1, 9)} heures, conservé à quatre degrés avant l'ensemencement."),
        _ => "Contrôle de qualité interne conforme pour la série analytique du jour.",
        _ => "Les résultats partiels ont été communiqués par téléphone à l'interne de garde du service.",
        _ => "Un avis auprès de l'équipe mobile d'infectiologie peut être demandé pour l'adaptation du traitement.",
        _ => "Ce compte rendu annule et remplace toute transmission téléphonique ou provisoire antérieure.",
        _ => "En cas de bactériémie persistante, il est conseillé de renouveler les hémocultures avant toute modification.",
        r => Inv($"Concentrations minimales inhibitrices déterminées par microdilution en milieu liquide, lecture à {r.Between(16, 24)} heures."),
        _ => "Une souche est conservée au laboratoire pendant un mois pour d'éventuelles analyses complémentaires.",
        _ => "Les mesures d'hygiène standard restent de rigueur pour tout patient, quel que soit son statut de portage.",
        r => Inv($"Validation biologique effectuée le {r.Between(1, 28):D2}/{r.Between(1, 12):D2}/2025 par le biologiste de garde."),
        _ => "Merci de préciser l'antibiothérapie en cours sur les prochaines demandes afin d'orienter l'interprétation.",
    ];

    /// <summary>Writes <paramref name="count"/> reports as JSON Lines (<c>{"id","text","label"}</c>), block after block.</summary>
    /// <param name="targetWords">Draws a report's word count (default: uniform in 200–380); a base report longer than it is cut to it.</param>
    public static async Task<CorpusStatistics> WriteAsync(string path, int count, ulong seed, string purpose, CancellationToken cancellationToken, Func<DeterministicRandom, int>? targetWords = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var partial = path + ".partial";
        long resistant = 0, words = 0, characters = 0;
        int minWords = int.MaxValue, maxWords = 0;
        await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            for (var block = 0; block * BlockSize < count; block++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var size = Math.Min(BlockSize, count - (block * BlockSize));
                var reports = Block(purpose, block, size, seed, targetWords ?? (r => r.Between(MinWords, MaxWords - 20)));
                foreach (var report in reports)
                {
                    var n = CountWords(report.Text);
                    minWords = Math.Min(minWords, n);
                    maxWords = Math.Max(maxWords, n);
                    words += n;
                    characters += report.Text.Length;
                    resistant += report.Label == Resistant ? 1 : 0;
                }

                await file.WriteAsync(Jsonl.ToBytes(reports), cancellationToken).ConfigureAwait(false);
            }
        }

        // Renamed only once whole, so an interrupted run never leaves a short corpus under the real name.
        File.Move(partial, path, overwrite: true);
        return new CorpusStatistics(count, resistant, count == 0 ? 0 : minWords, maxWords, count == 0 ? 0 : (double)words / count, count == 0 ? 0 : (double)characters / count);
    }

    public static int CountWords(string text)
    {
        var words = 0;
        var inWord = false;
        foreach (var c in text)
        {
            var letterOrDigit = !char.IsWhiteSpace(c);
            words += letterOrDigit && !inWord ? 1 : 0;
            inWord = letterOrDigit;
        }

        return words;
    }

    private static List<AmrReport> Block(string purpose, int block, int size, ulong seed, Func<DeterministicRandom, int> targetWords)
    {
        var stream = Inv($"bench/{purpose}/{block}");
        var profile = SyntheticHospitals.Training with { Slug = stream, IdPrefix = purpose };
        var random = DeterministicRandom.ForStream(seed, stream + "/long");
        var reports = new List<AmrReport>(size);
        foreach (var (report, i) in AmrReportGenerator.Generate(profile, size, seed).Select((r, i) => (r, i)))
        {
            var target = targetWords(random);
            var words = CountWords(report.Text);
            // Short targets (the mixed-length corpus) cut the base report; long ones never do, so the long corpus is unchanged.
            var text = words > target
                ? new StringBuilder(string.Join(' ', report.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Take(target))).Append('\n')
                : new StringBuilder(report.Text.TrimEnd('\n')).Append('\n');
            words = Math.Min(words, target);
            var section = 0;
            while (words < target)
            {
                // Alternate the two sections, each with its own header the first time it appears.
                var clinical = section % 2 == 0;
                if (section < 2)
                {
                    var header = clinical ? "Renseignements cliniques transmis :" : "Commentaire du biologiste :";
                    text.Append(header);
                    words += CountWords(header);
                }

                for (var s = 0; s < 3 && words < target; s++)
                {
                    var sentence = random.Pick(clinical ? s_clinical : s_comments)(random);
                    text.Append(' ').Append(sentence);
                    words += CountWords(sentence);
                }

                text.Append('\n');
                section++;
            }

            var label = report.Label == AmrLabels.Sensible ? Sensible : Resistant;
            reports.Add(new AmrReport(Inv($"{purpose}-{(block * BlockSize) + i + 1:D6}"), text.ToString(), label));
        }

        return reports;
    }

    private static string Inv(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
