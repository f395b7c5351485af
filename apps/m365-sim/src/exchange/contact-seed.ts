import { SeededRandom } from './seeded-random';

/** Seeded contact folders and contacts of a mailbox. */
export interface SeedContactFolder {
  readonly key: string;
  readonly displayName: string;
  /** null for the default Contacts folder. */
  readonly parentKey: string | null;
}

export interface SeedContact {
  readonly key: string;
  readonly folderKey: string;
  readonly givenName: string;
  readonly surname: string;
  readonly displayName: string;
  readonly emailAddresses: ReadonlyArray<{ name: string; address: string }>;
  readonly companyName: string;
  readonly jobTitle: string;
  readonly businessPhones: readonly string[];
  readonly mobilePhone: string;
  readonly businessAddress: { street: string; city: string; postalCode: string; countryOrRegion: string };
  readonly birthday?: string;
  readonly personalNotes: string;
  readonly createdDateTime: string;
}

export const DEFAULT_CONTACT_FOLDER_KEY = 'contacts';

export function seedContactFolders(): SeedContactFolder[] {
  return [
    { key: DEFAULT_CONTACT_FOLDER_KEY, displayName: 'Contacts', parentKey: null },
    { key: 'cf1', displayName: 'Lieferanten', parentKey: DEFAULT_CONTACT_FOLDER_KEY },
    { key: 'cf2', displayName: 'Famille & amis', parentKey: DEFAULT_CONTACT_FOLDER_KEY },
  ];
}

const GIVEN = ['Jürgen', 'Zoë', '太郎', 'Анна', 'José', 'Siobhán', 'Văn An', 'Fatima', 'Ólafur', 'Chloé', 'Priya', 'Lars', 'Mei', 'Kwame'];
const SUR = ['Müller', 'Ångström', '山田', 'Петрова', 'García', "O'Brien", 'Nguyễn', 'Al-Zahra', 'Þórsson', 'Dubois', 'Raman', 'Øvergaard', 'Chen', 'Mensah'];
const COMPANIES = ['Fabrikam GmbH', 'Northwind Traders', 'Adatum SA', 'Tailspin Toys', '株式会社サンプル', 'ООО Пример'];
const CITIES = [['Berlin', '10115', 'Deutschland'], ['Lyon', '69001', 'France'], ['東京', '100-0001', '日本'], ['Seattle', '98101', 'United States']];

export function seedContacts(seed: string | number, mailbox: string, count = 25): SeedContact[] {
  const rnd = new SeededRandom(String(seed), mailbox, 'contacts');
  const out: SeedContact[] = [];
  for (let i = 0; i < count; i++) {
    const givenName = rnd.pick(GIVEN);
    const surname = rnd.pick(SUR);
    const local = `${givenName}.${surname}`.normalize('NFKD').replace(/[^A-Za-z.]/g, '').toLowerCase() || `contact${i}`;
    const company = rnd.pick(COMPANIES);
    const [city, postalCode, countryOrRegion] = rnd.pick(CITIES);
    out.push({
      key: `p${i + 1}`,
      folderKey: i % 5 === 3 ? 'cf1' : i % 7 === 5 ? 'cf2' : DEFAULT_CONTACT_FOLDER_KEY,
      givenName,
      surname,
      displayName: `${givenName} ${surname}`,
      emailAddresses: [{ name: `${givenName} ${surname}`, address: `${local}${i}@example.org` }],
      companyName: company,
      jobTitle: rnd.pick(['Einkauf', 'Directeur', 'Engineer', '営業', 'Бухгалтер']),
      businessPhones: [`+49 30 ${rnd.int(1000000, 9999999)}`],
      mobilePhone: `+33 6 ${rnd.int(10, 99)} ${rnd.int(10, 99)} ${rnd.int(10, 99)} ${rnd.int(10, 99)}`,
      businessAddress: { street: `${rnd.pick(['Hauptstraße', 'Rue de la Paix', 'Main St'])} ${rnd.int(1, 120)}`, city, postalCode, countryOrRegion },
      birthday: rnd.chance(0.4) ? `19${rnd.int(60, 99)}-${String(rnd.int(1, 12)).padStart(2, '0')}-${String(rnd.int(1, 28)).padStart(2, '0')}T11:59:00Z` : undefined,
      personalNotes: rnd.chance(0.3) ? 'Met at the conference — sehr nett.' : '',
      createdDateTime: '2025-06-01T08:00:00Z',
    });
  }
  return out;
}
