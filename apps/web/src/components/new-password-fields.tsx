/**
 * A new password typed twice, as the reset page and the settings ask for it: the browser's
 * password manager sees `new-password` and offers to generate one.
 */
export function NewPasswordFields({ id, name }: { id: string; name: string }) {
  const field = {
    type: 'password',
    autoComplete: 'new-password',
    required: true,
    minLength: 8,
    maxLength: 200,
  };
  return (
    <>
      <label htmlFor={`${id}-new`}>New password</label>
      <input id={`${id}-new`} name={name} {...field} />
      <label htmlFor={`${id}-confirm`}>New password again</label>
      <input id={`${id}-confirm`} name="confirm" {...field} />
    </>
  );
}
