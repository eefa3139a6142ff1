"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

function describeError(code: string | undefined): string {
  if (!code) return "Sign-in failed. Please try again.";
  if (code.startsWith("RATE_LIMITED")) {
    const seconds = Number(code.split(":")[1]);
    const minutes = Number.isFinite(seconds) ? Math.ceil(seconds / 60) : undefined;
    return `Too many failed attempts. Try again${minutes ? ` in ${minutes} minute${minutes > 1 ? "s" : ""}` : " later"}.`;
  }
  if (code === "INVALID_CREDENTIALS" || code === "CredentialsSignin") return "Invalid username or password.";
  return "Sign-in failed. Please try again.";
}

/** `next`: where to go once signed in, a path on this site (the page checked it). */
export function LoginForm({ next }: { next: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const result = await signIn("credentials", {
      username: String(form.get("username") ?? ""),
      password: String(form.get("password") ?? ""),
      redirect: false,
    });
    setPending(false);
    if (result?.ok && !result.error) {
      router.replace(next);
      router.refresh();
    } else {
      setError(describeError(result?.error ?? undefined));
    }
  }

  return (
    // POST even before the script runs: a GET would put the password in the address bar and the server log.
    <form method="post" onSubmit={onSubmit} noValidate>
      {error && (
        <p className="error" data-testid="login-error">
          {error}
        </p>
      )}
      <div className="field">
        <label htmlFor="username">Username</label>
        {/* biome-ignore lint/a11y/noAutofocus: the sign-in page has one task; the cursor starts in its first field */}
        <input id="username" name="username" autoComplete="username" required autoFocus />
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
      </div>
      <button className="button" type="submit" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
