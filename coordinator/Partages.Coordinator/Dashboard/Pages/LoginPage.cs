namespace Partages.Coordinator.Dashboard.Pages;

/// <summary>Paste an API token (any role may watch); the coordinator keeps it in an HttpOnly session cookie.</summary>
public static class LoginPage
{
    public static string Render(string returnUrl, string? error)
    {
        var html = new Html();
        html.Open("section", ("class", "login-panel"), ("aria-labelledby", "login-title"))
            .Element("h1", "Sign in to the coordinator dashboard", ("id", "login-title"))
            .Element("p", "Paste an API token created by an administrator with “Partages.Coordinator admin api-token”. A viewer token is enough to watch nodes, runs and results.");
        if (error is not null)
        {
            html.Open("p", ("class", "form-error"), ("role", "alert"), ("id", "login-error"))
                .Element("span", "✕ ", ("aria-hidden", "true"))
                .Text(error)
                .Close("p");
        }

        html.Open("form", ("method", "post"), ("action", DashboardEndpoints.Root + "/login"), ("class", "login-form"))
            .Void("input", ("type", "hidden"), ("name", "return_url"), ("value", returnUrl))
            .Element("label", "API token", ("for", "token"))
            .Void("input", ("type", "password"), ("id", "token"), ("name", "token"), ("autocomplete", "off"), ("required", "required"),
                ("spellcheck", "false"), ("aria-describedby", error is null ? "token-help" : "token-help login-error"))
            .Element("p", "The token is sent once, over TLS, and kept in a secure cookie this browser cannot read from scripts.", ("id", "token-help"), ("class", "help"))
            .Element("button", "Sign in", ("type", "submit"), ("class", "button"))
            .Close("form")
            .Close("section");
        return Layout.Page("Sign in", Layout.Section.None, null, html.ToString(), "login");
    }
}
