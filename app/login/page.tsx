import { LoginForm } from "@/components/LoginForm";
import { sameOriginPath } from "@/lib/security/same-origin-path";

export const metadata = { title: "Sign in · Video Help Desk" };

// The form is in the HTML the server sends (no Suspense shell waiting for the client bundle): the page reads the
// callback from its own search params and hands the form a path already limited to this site.
export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { callbackUrl } = await searchParams;
  const next = sameOriginPath(typeof callbackUrl === "string" ? callbackUrl : null, "/console");
  return (
    <main className="login">
      <div className="panel">
        <h1>Agent sign in</h1>
        <LoginForm next={next} />
      </div>
    </main>
  );
}
