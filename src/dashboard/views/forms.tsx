import type { Child } from "hono/jsx";
import type { FieldErrors } from "../field-errors";

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

/**
 * A labelled input with its hint and its error beside it, tied together for screen readers.
 * `id` (default: the name) keeps ids unique when two forms of a page share a field name.
 */
export function Field(props: {
  name: string;
  label: string;
  errors: FieldErrors;
  id?: string;
  /** An input's type, or `textarea` for several lines. */
  type?: string;
  value?: string;
  required?: boolean;
  autocomplete?: string;
  hint?: string;
}) {
  const id = props.id ?? props.name;
  const error = props.errors[props.name];
  const described = [props.hint ? `${id}-hint` : "", error ? `${id}-error` : ""].join(" ").trim();
  const common = {
    id,
    name: props.name,
    required: props.required,
    autocomplete: props.autocomplete,
    "aria-invalid": error ? "true" : undefined,
    "aria-describedby": described || undefined,
  };
  return (
    <div>
      <label for={id}>{props.label}</label>
      {props.hint ? (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      {props.type === "textarea" ? (
        <textarea {...common}>{props.value ?? ""}</textarea>
      ) : (
        <input {...common} type={props.type ?? "text"} value={props.value ?? ""} />
      )}
      <FieldError name={props.name} id={id} errors={props.errors} />
    </div>
  );
}

export function FieldError({ name, errors, id = name }: { name: string; errors: FieldErrors; id?: string }) {
  const error = errors[name];
  return error ? (
    <p class="error" id={`${id}-error`}>
      {error}
    </p>
  ) : null;
}

/** The error of the form as a whole (not one field's), announced when the page loads. */
export function FormError({ errors }: { errors: FieldErrors }) {
  return errors._form ? (
    <p class="form-error" role="alert">
      {errors._form}
    </p>
  ) : null;
}

export function Notice({ text }: { text: string | undefined }) {
  return text ? (
    <p class="notice" role="status">
      {text}
    </p>
  ) : null;
}

/** A submit button that says what it is doing while the request runs (with the page script). */
export function Submit(props: { label: string; busy: string; variant?: "danger" | "secondary" }) {
  return (
    <button type="submit" class={props.variant} data-busy={props.busy}>
      {props.label}
    </button>
  );
}

/** A table, or the words for having nothing to show. */
export function TableOrEmpty(props: { empty: string; headings: string[]; rows: Child[]; caption: string }) {
  if (props.rows.length === 0) return <p class="empty">{props.empty}</p>;
  return (
    // Focusable and named, so a keyboard can scroll a wide table on a phone.
    <section class="table-wrap" aria-label={props.caption} tabindex={0}>
      <table>
        <caption class="hint">{props.caption}</caption>
        <thead>
          <tr>
            {props.headings.map((heading) => (
              <th scope="col">{heading}</th>
            ))}
          </tr>
        </thead>
        <tbody>{props.rows}</tbody>
      </table>
    </section>
  );
}

/** "Older" link carrying the filters and the page's cursor (never anything secret). */
export function NextPage({
  base,
  next,
  params,
  fragment,
}: {
  base: string;
  next: number | null;
  params?: Record<string, string | undefined>;
  /** The list's own section, when it is not the only thing on the page. */
  fragment?: string;
}) {
  if (next === null) return null;
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params ?? {})) if (value) query.set(name, value);
  query.set("cursor", String(next));
  return (
    <p>
      <a href={`${base}?${query}${fragment ? `#${fragment}` : ""}`}>Older →</a>
    </p>
  );
}
