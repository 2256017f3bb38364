import { Type } from "@sinclair/typebox";

/** PEV binding to a utility program at plug-in (P1 scenario 3.1/3.2, requirements 10 and 28, NF.3). */
export const BindingSection = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: "Bind the PEV reported by the PEV link (needs premiseId and the uplink)." }),
    timeoutS: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 60,
      description: "Wait this long after plug-in for the binding; then charge unbound at the premise default rate (NF.3, req 10).",
    }),
    waitBeforeCharging: Type.Boolean({ default: true, description: "Hold an authorized start until the binding is settled (NF.2)." }),
    retryS: Type.Integer({ minimum: 1, maximum: 60, default: 5, description: "While offline, retry req/bind this often, s." }),
  },
  { additionalProperties: false, default: {} },
);
