import { CsrfField, Submit } from "./forms";

/**
 * Every destructive action is a GET to this page first: it works without script, names what
 * will happen, and its one button posts the action.
 */
export function Confirmation(props: {
  message: string;
  action: string;
  confirmLabel: string;
  busyLabel: string;
  cancelHref: string;
  formToken: string;
}) {
  return (
    <section>
      <p>{props.message}</p>
      <form method="post" action={props.action}>
        <CsrfField token={props.formToken} />
        <Submit label={props.confirmLabel} busy={props.busyLabel} variant="danger" />
        <a class="button secondary" href={props.cancelHref}>
          Cancel
        </a>
      </form>
    </section>
  );
}
