import type { Me } from '@graminsta/contracts';
import { Link } from '../lib/router.tsx';
import { PrivacySection } from './settings/privacy-section.tsx';
import { DataSection } from './settings/data-section.tsx';
import { DevicesSection } from './settings/devices-section.tsx';
import { EmailSection } from './settings/email-section.tsx';
import { PasswordSection } from './settings/password-section.tsx';

/**
 * The account's settings, one section per concern (privacy, e-mail, password, devices, export,
 * deletion), each its own component under pages/settings/.
 */
export function SettingsPage({ me }: { me: Me }) {
  return (
    <section className="settings" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <p>
        Signed in as <strong>{me.username}</strong>.
      </p>
      <p>
        <Link to="/account/edit" className="button secondary">
          Edit your profile
        </Link>
      </p>
      <PrivacySection me={me} />
      <DataSection />
      <EmailSection me={me} />
      <PasswordSection />
      <DevicesSection />
    </section>
  );
}
