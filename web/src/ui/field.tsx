/** Labelled form controls: every input has a visible label and, when given, a hint tied to it. */
import { type ReactNode, useId } from 'react';

interface Common {
  label: string;
  hint?: string;
  required?: boolean;
}

/** The label, the hint and their ids around one control; `control` gets its id and aria-describedby. */
function Labelled({
  label,
  hint,
  required,
  control,
}: Common & { control: (id: string, describedBy: string | undefined) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {required ? <span aria-hidden="true"> *</span> : null}
      </label>
      {control(id, hint ? `${id}-hint` : undefined)}
      {hint ? (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      ) : null}
    </div>
  );
}

/** A text-like input (text, password, number, date…). */
export function Field({
  value,
  onChange,
  type = 'text',
  autoComplete,
  inputMode,
  name,
  placeholder,
  ...common
}: Common & {
  value: string;
  onChange: (v: string) => void;
  type?: string;
  autoComplete?: string;
  inputMode?: 'numeric' | 'text' | 'url' | 'email';
  name?: string;
  placeholder?: string;
}) {
  return (
    <Labelled
      {...common}
      control={(id, describedBy) => (
        <input
          id={id}
          name={name}
          type={type}
          value={value}
          required={common.required}
          autoComplete={autoComplete}
          inputMode={inputMode}
          placeholder={placeholder}
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    />
  );
}

/** A multi-line text area. */
export function Area({
  value,
  onChange,
  rows = 5,
  name,
  ...common
}: Common & { value: string; onChange: (v: string) => void; rows?: number; name?: string }) {
  return (
    <Labelled
      {...common}
      control={(id, describedBy) => (
        <textarea
          id={id}
          name={name}
          rows={rows}
          value={value}
          required={common.required}
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    />
  );
}

/** A select from fixed options. */
export function Choice({
  value,
  onChange,
  options,
  name,
  ...common
}: Common & {
  value: string;
  onChange: (v: string) => void;
  options: readonly (string | [string, string])[];
  name?: string;
}) {
  return (
    <Labelled
      {...common}
      control={(id, describedBy) => (
        <select
          id={id}
          name={name}
          value={value}
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.value)}
        >
          {options.map((o) => {
            const [v, text] = typeof o === 'string' ? [o, o] : o;
            return (
              <option key={v} value={v}>
                {text}
              </option>
            );
          })}
        </select>
      )}
    />
  );
}

/** A group of related fields with a legend. */
export function Group({ legend, children }: { legend: string; children: ReactNode }) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {children}
    </fieldset>
  );
}
