import type { FieldErrors } from "../field-errors";
import { Field, FormError, Notice, Submit } from "./forms";

export function SignInForm(props: { email: string; errors: FieldErrors; notice?: string }) {
  return (
    <section>
      <Notice text={props.notice} />
      <FormError errors={props.errors} />
      <form method="post" action="/dashboard/sign-in" novalidate>
        <Field
          name="email"
          label="Email"
          type="email"
          autocomplete="username"
          value={props.email}
          errors={props.errors}
          required
        />
        <Field
          name="password"
          label="Password"
          type="password"
          autocomplete="current-password"
          errors={props.errors}
          required
        />
        <Submit label="Sign in" busy="Signing in…" />
      </form>
      <p class="hint">Users, admin users and agents all sign in here. A dashboard session lasts 12 hours.</p>
    </section>
  );
}
