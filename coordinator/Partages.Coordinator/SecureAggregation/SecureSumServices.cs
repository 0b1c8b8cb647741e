namespace Partages.Coordinator.SecureAggregation;

/// <summary>SecureAggregation/: the secure sums of pooled-only evaluations (options section <c>SecureAggregation</c>).</summary>
public static class SecureSumServices
{
    public static IServiceCollection AddSecureAggregation(this IServiceCollection services)
    {
        services.AddOptions<SecureSumOptions>().BindConfiguration(SecureSumOptions.SectionName)
            .Validate(o => o.AdvertiseSeconds >= 1 && o.RoundSeconds >= 1 && o.MaxLayoutBytes >= 1024,
                "SecureAggregation: AdvertiseSeconds and RoundSeconds must be at least 1, MaxLayoutBytes at least 1024.")
            .ValidateOnStart();
        services.AddSingleton<SecureSumClosing>();
        services.AddSingleton<SecureSumSessions>();
        return services;
    }
}
