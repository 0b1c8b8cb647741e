using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Partages.NodeAgent.Admission;

public static class AdmissionServices
{
    /// <summary>
    /// The admission pipeline (<see cref="JobAdmission"/>): the offer's checks, the policy's, manual approval
    /// (<see cref="ApprovalDesk"/>, also a hosted service watching the decision files) and the model's trust.
    /// </summary>
    public static IServiceCollection AddNodeAdmission(this IServiceCollection services)
    {
        services.TryAddSingleton(new ApprovalOptions());
        services.TryAddSingleton<PolicyAdmission>();
        services.TryAddSingleton<ApprovalDesk>();
        services.TryAddSingleton<JobAdmission>();
        services.TryAddSingleton<ModelTrustCheck>();
        services.AddHostedService(sp => sp.GetRequiredService<ApprovalDesk>());
        return services;
    }
}
