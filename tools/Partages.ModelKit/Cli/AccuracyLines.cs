namespace Partages.ModelKit.Cli;

/// <summary>The accuracy lines the build and sentencepiece-bundle commands both print, so the two bundles read alike.</summary>
internal static class AccuracyLines
{
    public static async Task WriteAsync(
        TextWriter console,
        double train,
        double heldOut,
        double onnxHeldOut,
        double maxLogitDifference,
        IReadOnlyList<HospitalAccuracy> byHospital)
    {
        var inv = CultureInfo.InvariantCulture;
        await console.WriteLineAsync(string.Create(inv,
            $"Accuracy: train {train:P1}, held-out {heldOut:P1} (ONNX Runtime {onnxHeldOut:P1}, max |Δlogit| {maxLogitDifference:E1})")).ConfigureAwait(false);
        foreach (var hospital in byHospital)
        {
            await console.WriteLineAsync(string.Create(inv, $"  {hospital.Slug,-16} {hospital.Accuracy:P1}")).ConfigureAwait(false);
        }
    }
}
