import { Suspense } from "react";
import { LoginForm } from "@/components/LoginForm";

export const metadata = { title: "Sign in · Video Help Desk" };

export default function LoginPage() {
  return (
    <main className="login">
      <div className="panel">
        <h1>Agent sign in</h1>
        <Suspense>
          <LoginForm />
        </Suspense>
      </div>
    </main>
  );
}
