import type { UserPrincipal } from "../domain";
import type { AppEnv, Variables } from "../http/context";
import type { FormFields } from "./form-body";

/** What a signed-in dashboard page knows: who, the form token its forms carry, the posted form. */
export interface DashboardEnv extends AppEnv {
  Variables: Variables & {
    principal: UserPrincipal;
    formToken: string;
    form: FormFields;
  };
}
